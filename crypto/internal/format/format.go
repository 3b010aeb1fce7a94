// Package format encodes and parses the binary framing of Consign's sealed
// envelope: the header (recipient stanzas, authenticated by an HMAC) and
// the trailer carried in the final chunk. It does no cryptography beyond
// describing where the MAC sits; docs/envelope.md is its specification.
package format

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/consign/consign/internal/errkind"
)

// Magic opens every envelope.
const Magic = "consign-envelope/v1\n"

// Header flags.
const (
	FlagCompressed = 1 << 0 // the payload is one zstd frame
	FlagSigned     = 1 << 1 // the trailer carries a signature
	knownFlags     = FlagCompressed | FlagSigned
)

// Stanza types: how the file key is wrapped for one recipient.
const (
	StanzaRSAOAEP = 1 // RSA-OAEP-SHA256 of the file key
	StanzaP256    = 2 // ephemeral P-256 ECDH, HKDF-SHA256, AES-256-GCM
	StanzaX25519  = 3 // ephemeral X25519, HKDF-SHA256, AES-256-GCM
)

// Limits enforced by Parse.
const (
	MinChunkLog  = 10 // 1 KiB
	MaxChunkLog  = 20 // 1 MiB
	MaxStanzas   = 32
	MaxStanzaLen = 1024 // an RSA-8192 OAEP block
	SaltSize     = 32
	MACSize      = 32
	KeyIDSize    = 32
)

// ErrMalformed is wrapped by every parse failure.
var ErrMalformed = errkind.New(errkind.Invalid, "malformed envelope")

// Stanza is the file key wrapped for one recipient, named by the SHA-256 of
// the recipient's SubjectPublicKeyInfo.
type Stanza struct {
	Type  byte
	KeyID [KeyIDSize]byte
	Body  []byte
}

// Header is everything before the first chunk.
type Header struct {
	Flags    byte
	ChunkLog byte
	Salt     [SaltSize]byte
	Stanzas  []Stanza
	MAC      [MACSize]byte
}

// ChunkSize is the maximum plaintext bytes of a data chunk.
func (h *Header) ChunkSize() int { return 1 << h.ChunkLog }

// MarshalBody returns the header bytes the MAC covers: everything but the MAC.
func (h *Header) MarshalBody() []byte {
	b := make([]byte, 0, 128+len(h.Stanzas)*300)
	b = append(b, Magic...)
	b = append(b, h.Flags, h.ChunkLog)
	b = append(b, h.Salt[:]...)
	b = append(b, byte(len(h.Stanzas)))
	for _, s := range h.Stanzas {
		b = append(b, s.Type)
		b = append(b, s.KeyID[:]...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(s.Body)))
		b = append(b, s.Body...)
	}
	return b
}

// Marshal returns the complete header, MAC included.
func (h *Header) Marshal() []byte { return append(h.MarshalBody(), h.MAC[:]...) }

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// Parse reads exactly one header from r (never more) and returns it with
// the bytes its MAC covers.
func Parse(r io.Reader) (*Header, []byte, error) {
	raw := make([]byte, 0, 512)
	read := func(n int, what string) ([]byte, error) {
		start := len(raw)
		raw = append(raw, make([]byte, n)...)
		if _, err := io.ReadFull(r, raw[start:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, malformed("header ends inside %s", what)
			}
			return nil, err
		}
		return raw[start:], nil
	}
	m, err := read(len(Magic), "magic")
	if err != nil {
		return nil, nil, err
	}
	if string(m) != Magic {
		return nil, nil, malformed("not a Consign envelope (bad magic)")
	}
	fixed, err := read(2+SaltSize+1, "fixed fields")
	if err != nil {
		return nil, nil, err
	}
	h := &Header{Flags: fixed[0], ChunkLog: fixed[1]}
	copy(h.Salt[:], fixed[2:2+SaltSize])
	n := int(fixed[2+SaltSize])
	if h.Flags&^knownFlags != 0 {
		return nil, nil, malformed("unknown flags %#02x", h.Flags)
	}
	if h.ChunkLog < MinChunkLog || h.ChunkLog > MaxChunkLog {
		return nil, nil, malformed("chunk size 2^%d out of range", h.ChunkLog)
	}
	if n == 0 || n > MaxStanzas {
		return nil, nil, malformed("%d recipient stanzas (want 1..%d)", n, MaxStanzas)
	}
	for i := 0; i < n; i++ {
		sh, err := read(1+KeyIDSize+2, "stanza")
		if err != nil {
			return nil, nil, err
		}
		s := Stanza{Type: sh[0]}
		copy(s.KeyID[:], sh[1:1+KeyIDSize])
		l := int(binary.BigEndian.Uint16(sh[1+KeyIDSize:]))
		if l == 0 || l > MaxStanzaLen {
			return nil, nil, malformed("stanza %d body of %d bytes", i, l)
		}
		body, err := read(l, "stanza body")
		if err != nil {
			return nil, nil, err
		}
		s.Body = append([]byte(nil), body...)
		h.Stanzas = append(h.Stanzas, s)
	}
	body := append([]byte(nil), raw...)
	mac, err := read(MACSize, "MAC")
	if err != nil {
		return nil, nil, err
	}
	copy(h.MAC[:], mac)
	return h, body, nil
}

// Record kinds: the byte before each chunk's length, also mixed into its nonce.
const (
	KindData  = 0
	KindFinal = 1
)

// Record framing sizes.
const (
	RecordHeaderSize = 5    // kind byte + big-endian uint32 ciphertext length
	TagSize          = 16   // AES-GCM tag
	MaxTrailer       = 4096 // plaintext bytes of the final chunk
)

// Signature algorithms in the trailer.
const (
	SigNone         = 0
	SigRSAPKCS1v15  = 1 // RSASSA-PKCS1-v1_5 with SHA-256
	SigECDSAP256    = 2 // ECDSA P-256 with SHA-256, ASN.1 DER
	SigEd25519      = 3 // pure Ed25519
	maxSignatureLen = 1024
)

// Trailer is the plaintext of the final chunk.
type Trailer struct {
	Size      uint64
	SHA256    [32]byte
	SigAlg    byte
	SignerID  [KeyIDSize]byte
	Signature []byte
}

// Marshal encodes t.
func (t *Trailer) Marshal() []byte {
	b := binary.BigEndian.AppendUint64(nil, t.Size)
	b = append(b, t.SHA256[:]...)
	b = append(b, t.SigAlg)
	if t.SigAlg != SigNone {
		b = append(b, t.SignerID[:]...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(t.Signature)))
		b = append(b, t.Signature...)
	}
	return b
}

// ParseTrailer decodes the final chunk's plaintext.
func ParseTrailer(b []byte) (*Trailer, error) {
	if len(b) < 8+32+1 {
		return nil, malformed("trailer of %d bytes", len(b))
	}
	t := &Trailer{Size: binary.BigEndian.Uint64(b), SigAlg: b[40]}
	copy(t.SHA256[:], b[8:40])
	rest := b[41:]
	switch t.SigAlg {
	case SigNone:
	case SigRSAPKCS1v15, SigECDSAP256, SigEd25519:
		if len(rest) < KeyIDSize+2 {
			return nil, malformed("trailer signature header truncated")
		}
		copy(t.SignerID[:], rest)
		l := int(binary.BigEndian.Uint16(rest[KeyIDSize:]))
		rest = rest[KeyIDSize+2:]
		if l == 0 || l > maxSignatureLen || l > len(rest) {
			return nil, malformed("trailer signature of %d bytes", l)
		}
		t.Signature = append([]byte(nil), rest[:l]...)
		rest = rest[l:]
	default:
		return nil, malformed("unknown signature algorithm %d", t.SigAlg)
	}
	if len(rest) != 0 {
		return nil, malformed("%d stray bytes in trailer", len(rest))
	}
	return t, nil
}
