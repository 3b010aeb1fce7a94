package crypto

import (
	"bytes"
	stdcrypto "crypto"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/consign/consign/crypto/internal/format"
)

// Sessions amortize the asymmetric cost of sealing many small messages
// from one sender destination to one recipient destination.
//
// The sender draws a 256-bit session key per epoch, wraps it to the
// recipient certificate exactly as an envelope wraps its file key, and
// signs an epoch block naming the epoch id, both key ids, the wrapped key
// and a summary of the previous epoch (its id, message count and the head
// of its hash chain). Every message frame carries the epoch block (so a
// receiver that restarts, or another node of the same member, can join at
// any frame) followed by a sequence number and the message sealed with
// AES-256-GCM under a key derived from the session key, with the
// sequence number as nonce and the epoch block's hash and the sequence
// number as associated data. The receiver verifies and unwraps an epoch
// block once and caches the key, so the per-message cost is one AEAD.
//
// Authenticity: only the sender and the recipient know the session key,
// and the sender's signature binds it to the sender; a message that opens
// therefore comes from the sender (the recipient did not write it).
// Attribution to third parties: the sender keeps a hash chain over each
// epoch's messages and signs its head in the next epoch block, so once a
// later epoch block exists, the recipient can show any message of the
// previous epoch to a third party together with the chain. Replays within
// an epoch are refused (sequence numbers must increase); epochs rotate
// after MaxMessages messages or MaxAge, whichever comes first.

// SessionConfig tunes sessions. Zero values take the documented defaults.
type SessionConfig struct {
	// MaxMessages per epoch before the sender rotates; default 10000.
	MaxMessages int
	// MaxAge of an epoch before the sender rotates; default one hour.
	MaxAge time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (c SessionConfig) withDefaults() SessionConfig {
	if c.MaxMessages <= 0 {
		c.MaxMessages = 10000
	}
	if c.MaxAge <= 0 {
		c.MaxAge = time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// MaxSessionMessage bounds one session message's plaintext.
const MaxSessionMessage = 16 << 20

const (
	sessionVersion      = 1
	labelSessionEpoch   = "consign/v1 session epoch\n"
	labelSessionMessage = "consign/v1 session message"
	labelSessionChain   = "consign/v1 session chain"
	maxEpochBlock       = 4096
	receiverEpochCache  = 64
)

// epochBlock is the signed part of a session epoch.
type epochBlock struct {
	epochID   [16]byte
	senderID  KeyID
	created   uint64
	stanza    format.Stanza
	prevID    [16]byte
	prevCount uint64
	prevChain [32]byte
	sigAlg    byte
	sig       []byte
}

func (e *epochBlock) marshalSigned() []byte {
	b := []byte{sessionVersion}
	b = append(b, e.epochID[:]...)
	b = append(b, e.senderID[:]...)
	b = binary.BigEndian.AppendUint64(b, e.created)
	b = append(b, e.stanza.Type)
	b = append(b, e.stanza.KeyID[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.stanza.Body)))
	b = append(b, e.stanza.Body...)
	b = append(b, e.prevID[:]...)
	b = binary.BigEndian.AppendUint64(b, e.prevCount)
	return append(b, e.prevChain[:]...)
}

func (e *epochBlock) marshal() []byte {
	b := e.marshalSigned()
	b = append(b, e.sigAlg)
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.sig)))
	return append(b, e.sig...)
}

func parseEpochBlock(b []byte) (*epochBlock, error) {
	e := &epochBlock{}
	need := func(n int) ([]byte, bool) {
		if len(b) < n {
			return nil, false
		}
		v := b[:n]
		b = b[n:]
		return v, true
	}
	v, ok := need(1 + 16 + 32 + 8 + 1 + 32 + 2)
	if !ok || v[0] != sessionVersion {
		return nil, fmt.Errorf("%w: epoch block header", ErrMalformed)
	}
	copy(e.epochID[:], v[1:17])
	copy(e.senderID[:], v[17:49])
	e.created = binary.BigEndian.Uint64(v[49:57])
	e.stanza.Type = v[57]
	copy(e.stanza.KeyID[:], v[58:90])
	l := int(binary.BigEndian.Uint16(v[90:92]))
	if l == 0 || l > format.MaxStanzaLen {
		return nil, fmt.Errorf("%w: epoch stanza of %d bytes", ErrMalformed, l)
	}
	body, ok := need(l)
	if !ok {
		return nil, fmt.Errorf("%w: epoch stanza truncated", ErrMalformed)
	}
	e.stanza.Body = append([]byte(nil), body...)
	v, ok = need(16 + 8 + 32 + 1 + 2)
	if !ok {
		return nil, fmt.Errorf("%w: epoch block truncated", ErrMalformed)
	}
	copy(e.prevID[:], v[:16])
	e.prevCount = binary.BigEndian.Uint64(v[16:24])
	copy(e.prevChain[:], v[24:56])
	e.sigAlg = v[56]
	sl := int(binary.BigEndian.Uint16(v[57:59]))
	if sl == 0 || sl != len(b) {
		return nil, fmt.Errorf("%w: epoch signature of %d bytes with %d left", ErrMalformed, sl, len(b))
	}
	e.sig = append([]byte(nil), b...)
	return e, nil
}

func sessionAEAD(sessionKey []byte, epochID [16]byte) (cipher.AEAD, error) {
	return hkdfGCM(sessionKey, epochID[:], labelSessionMessage)
}

func chainStart(epochID [16]byte) [32]byte {
	return sha256.Sum256(append([]byte(labelSessionChain), epochID[:]...))
}

func chainNext(c [32]byte, seq uint64, msg []byte) [32]byte {
	m := sha256.Sum256(msg)
	b := append(c[:], binary.BigEndian.AppendUint64(nil, seq)...)
	return sha256.Sum256(append(b, m[:]...))
}

func sessionAAD(blockHash [32]byte, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), blockHash[:]...), seq)
}

func sessionNonce(seq uint64) []byte {
	n := make([]byte, 12)
	binary.BigEndian.PutUint64(n, seq)
	return n
}

// SessionSender seals a stream of messages to one recipient. It is safe
// for concurrent use; frames are numbered in the order Seal is called.
type SessionSender struct {
	mu        sync.Mutex
	signer    stdcrypto.Signer
	recipient *x509.Certificate
	cfg       SessionConfig
	senderID  KeyID

	block     []byte // marshalled current epoch block
	blockHash [32]byte
	epochID   [16]byte
	aead      cipher.AEAD
	started   time.Time
	seq       uint64
	chain     [32]byte
	epochs    int
}

// NewSessionSender returns a sender from the destination key signer to
// the recipient certificate, which must be valid now.
func NewSessionSender(signer stdcrypto.Signer, recipient *x509.Certificate, cfg SessionConfig) (*SessionSender, error) {
	cfg = cfg.withDefaults()
	if err := checkValidity(recipient, cfg.Now()); err != nil {
		return nil, fmt.Errorf("crypto: session: recipient: %w", err)
	}
	if _, _, err := recipientKey(certPublicKey(recipient)); err != nil {
		return nil, fmt.Errorf("crypto: session: recipient: %w", err)
	}
	if _, err := sigAlgOf(signer.Public()); err != nil {
		return nil, fmt.Errorf("crypto: session: signer: %w", err)
	}
	id, err := PublicKeyID(signer.Public())
	if err != nil {
		return nil, fmt.Errorf("crypto: session: %w", err)
	}
	return &SessionSender{signer: signer, recipient: recipient, cfg: cfg, senderID: id}, nil
}

// rotate starts a new epoch: new key, wrapped and signed once.
func (s *SessionSender) rotate(now time.Time) error {
	e := &epochBlock{senderID: s.senderID, created: uint64(now.Unix())}
	if _, err := rand.Read(e.epochID[:]); err != nil {
		return err
	}
	if s.epochs > 0 {
		e.prevID, e.prevCount, e.prevChain = s.epochID, s.seq, s.chain
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	st, err := wrapFileKey(certPublicKey(s.recipient), key)
	if err != nil {
		return err
	}
	e.stanza = st
	e.sigAlg, _ = sigAlgOf(s.signer.Public())
	e.sig, err = Sign(s.signer, append([]byte(labelSessionEpoch), e.marshalSigned()...))
	if err != nil {
		return err
	}
	aead, err := sessionAEAD(key, e.epochID)
	if err != nil {
		return err
	}
	s.block = e.marshal()
	s.blockHash = sha256.Sum256(s.block)
	s.epochID, s.aead, s.started, s.seq = e.epochID, aead, now, 0
	s.chain = chainStart(e.epochID)
	s.epochs++
	return nil
}

// Seal returns the frame carrying msg. It rotates the epoch first when the
// current one is full or old (that call pays one wrap and one signature).
func (s *SessionSender) Seal(msg []byte) ([]byte, error) {
	if len(msg) > MaxSessionMessage {
		return nil, fmt.Errorf("crypto: session seal: message of %d bytes exceeds %d", len(msg), MaxSessionMessage)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	if s.aead == nil || s.seq >= uint64(s.cfg.MaxMessages) || now.Sub(s.started) >= s.cfg.MaxAge || now.Before(s.started) {
		if err := s.rotate(now); err != nil {
			return nil, fmt.Errorf("crypto: session seal: new epoch: %w", err)
		}
	}
	seq := s.seq
	out := make([]byte, 0, 2+len(s.block)+8+len(msg)+16)
	out = binary.BigEndian.AppendUint16(out, uint16(len(s.block)))
	out = append(out, s.block...)
	out = binary.BigEndian.AppendUint64(out, seq)
	out = s.aead.Seal(out, sessionNonce(seq), msg, sessionAAD(s.blockHash, seq))
	s.chain = chainNext(s.chain, seq, msg)
	s.seq++
	return out, nil
}

// Epochs reports how many epochs (signatures and key wraps) the sender has paid for.
func (s *SessionSender) Epochs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.epochs
}

// MessageInfo describes an opened session message.
type MessageInfo struct {
	Epoch [16]byte
	Seq   uint64
	// NewEpoch is true when this frame's epoch block was verified now
	// (the receiver paid an unwrap and a signature check).
	NewEpoch bool
	// PreviousConfirmed is true when this frame's epoch block signs the
	// hash chain of an earlier epoch whose every message this receiver
	// opened, and the chain matches: those messages are now attributable.
	PreviousConfirmed bool
}

type recvEpoch struct {
	aead      cipher.AEAD
	blockHash [32]byte
	next      uint64 // lowest sequence number still acceptable
	count     uint64 // messages opened
	chain     [32]byte
	contig    bool // every sequence number from 0 was opened in order
	created   time.Time
}

// SessionReceiver opens frames from one sender. It is safe for concurrent use.
type SessionReceiver struct {
	mu       sync.Mutex
	unwrap   *unwrapper
	sender   *x509.Certificate
	senderID KeyID
	cfg      SessionConfig
	epochs   map[[16]byte]*recvEpoch
	order    [][16]byte
}

// NewSessionReceiver returns a receiver holding the recipient's private
// key (as accepted by Open) and the sender's certificate.
func NewSessionReceiver(key stdcrypto.PrivateKey, sender *x509.Certificate, cfg SessionConfig) (*SessionReceiver, error) {
	u, err := newUnwrapper(key)
	if err != nil {
		return nil, fmt.Errorf("crypto: session: %w", err)
	}
	id, err := PublicKeyID(sender.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("crypto: session: sender: %w", err)
	}
	return &SessionReceiver{unwrap: u, sender: sender, senderID: id, cfg: cfg.withDefaults(), epochs: map[[16]byte]*recvEpoch{}}, nil
}

// Open authenticates and decrypts one frame. Errors wrap ErrMalformed,
// ErrWrongSigner, ErrNotRecipient, ErrBadSignature, ErrExpired (sender
// certificate), ErrTampered or ErrReplay (a sequence number at or below
// one already opened in that epoch: a duplicate delivery).
func (r *SessionReceiver) Open(frame []byte) ([]byte, MessageInfo, error) {
	const op = "crypto: session open"
	var info MessageInfo
	if len(frame) < 2 {
		return nil, info, fmt.Errorf("%s: %w: short frame", op, ErrMalformed)
	}
	bl := int(binary.BigEndian.Uint16(frame))
	if bl > maxEpochBlock || len(frame) < 2+bl+8+16 {
		return nil, info, fmt.Errorf("%s: %w: frame of %d bytes, epoch block %d", op, ErrMalformed, len(frame), bl)
	}
	block := frame[2 : 2+bl]
	seq := binary.BigEndian.Uint64(frame[2+bl:])
	ct := frame[2+bl+8:]
	if len(ct)-16 > MaxSessionMessage {
		return nil, info, fmt.Errorf("%s: %w: message too large", op, ErrMalformed)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	bh := sha256.Sum256(block)
	var ep *recvEpoch
	var e *epochBlock
	var err error
	e, err = parseEpochBlock(block)
	if err != nil {
		return nil, info, fmt.Errorf("%s: %w", op, err)
	}
	info.Epoch, info.Seq = e.epochID, seq
	if cached, ok := r.epochs[e.epochID]; ok && cached.blockHash == bh {
		ep = cached
	} else {
		if ep, err = r.admit(e, block); err != nil {
			return nil, info, fmt.Errorf("%s: %w", op, err)
		}
		info.NewEpoch = true
		if prev, ok := r.epochs[e.prevID]; ok && e.prevCount > 0 && prev.contig && prev.count == e.prevCount {
			if prev.chain != e.prevChain {
				return nil, info, fmt.Errorf("%s: %w: the sender signed a different history for epoch %x", op, ErrTampered, e.prevID[:4])
			}
			info.PreviousConfirmed = true
		}
		if cached, ok := r.epochs[e.epochID]; ok && cached.blockHash != bh {
			return nil, info, fmt.Errorf("%s: %w: two blocks for epoch %x", op, ErrTampered, e.epochID[:4])
		}
		r.remember(e.epochID, ep)
	}
	if seq < ep.next {
		return nil, info, fmt.Errorf("%s: sequence %d of epoch %x already opened: %w", op, seq, e.epochID[:4], ErrReplay)
	}
	msg, err := ep.aead.Open(nil, sessionNonce(seq), ct, sessionAAD(bh, seq))
	if err != nil {
		return nil, info, fmt.Errorf("%s: %w", op, ErrTampered)
	}
	if seq != ep.next {
		ep.contig = false
	}
	ep.chain = chainNext(ep.chain, seq, msg)
	ep.next, ep.count = seq+1, ep.count+1
	return msg, info, nil
}

// admit verifies a new epoch block and unwraps its key.
func (r *SessionReceiver) admit(e *epochBlock, block []byte) (*recvEpoch, error) {
	if e.senderID != r.senderID {
		return nil, fmt.Errorf("%w: epoch signed by key %x", ErrWrongSigner, e.senderID[:8])
	}
	if KeyID(e.stanza.KeyID) != r.unwrap.id {
		return nil, fmt.Errorf("%w: epoch is for key %x", ErrNotRecipient, e.stanza.KeyID[:8])
	}
	if err := checkValidity(r.sender, r.cfg.Now()); err != nil {
		return nil, fmt.Errorf("sender: %w", err)
	}
	if alg, err := sigAlgOf(r.sender.PublicKey); err != nil || alg != e.sigAlg {
		return nil, fmt.Errorf("%w: signature algorithm %d", ErrBadSignature, e.sigAlg)
	}
	signed := block[:len(block)-3-len(e.sig)]
	if !bytes.Equal(signed, e.marshalSigned()) {
		return nil, fmt.Errorf("%w: epoch block not canonical", ErrMalformed)
	}
	if err := VerifyKey(r.sender.PublicKey, append([]byte(labelSessionEpoch), signed...), e.sig); err != nil {
		return nil, err
	}
	if e.stanza.Type != r.unwrap.typ {
		return nil, fmt.Errorf("%w: stanza type %d", ErrTampered, e.stanza.Type)
	}
	key, err := r.unwrap.unwrap(e.stanza.Body)
	if err != nil {
		return nil, err
	}
	aead, err := sessionAEAD(key, e.epochID)
	if err != nil {
		return nil, err
	}
	return &recvEpoch{aead: aead, blockHash: sha256.Sum256(block), chain: chainStart(e.epochID), contig: true,
		created: time.Unix(int64(e.created), 0)}, nil
}

func (r *SessionReceiver) remember(id [16]byte, ep *recvEpoch) {
	r.epochs[id] = ep
	r.order = append(r.order, id)
	if len(r.order) > receiverEpochCache {
		delete(r.epochs, r.order[0])
		r.order = r.order[1:]
	}
}

// TranscriptMessage is one opened session message kept as evidence.
type TranscriptMessage struct {
	Seq  uint64
	Body []byte
}

// VerifySessionTranscript lets a third party (who holds no session key)
// check that the sender sent exactly msgs, in order, in epoch epochID: it
// verifies the sender's signature on the epoch block carried by any frame
// of a later epoch (the next one, which summarizes epochID), recomputes
// the hash chain over msgs and compares it and the message count with the
// signed summary. msgs must be every message of the epoch, as delivered
// (MessageInfo gives Epoch and Seq). Failures wrap ErrBadSignature,
// ErrWrongSigner, ErrExpired, ErrMalformed or ErrTampered (the messages
// differ from what the sender signed).
func VerifySessionTranscript(sender *x509.Certificate, laterFrame []byte, epochID [16]byte, msgs []TranscriptMessage, now time.Time) error {
	const op = "crypto: session transcript"
	if len(laterFrame) < 2 {
		return fmt.Errorf("%s: %w: short frame", op, ErrMalformed)
	}
	bl := int(binary.BigEndian.Uint16(laterFrame))
	if bl > maxEpochBlock || len(laterFrame) < 2+bl {
		return fmt.Errorf("%s: %w: frame too short for its epoch block", op, ErrMalformed)
	}
	block := laterFrame[2 : 2+bl]
	e, err := parseEpochBlock(block)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	id, err := PublicKeyID(sender.PublicKey)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if e.senderID != id {
		return fmt.Errorf("%s: %w: epoch block signed by key %x", op, ErrWrongSigner, e.senderID[:8])
	}
	if alg, err := sigAlgOf(sender.PublicKey); err != nil || alg != e.sigAlg {
		return fmt.Errorf("%s: %w: signature algorithm %d", op, ErrBadSignature, e.sigAlg)
	}
	signed := e.marshalSigned()
	if !bytes.Equal(block[:len(block)-3-len(e.sig)], signed) {
		return fmt.Errorf("%s: %w: epoch block not canonical", op, ErrMalformed)
	}
	if err := Verify(sender, append([]byte(labelSessionEpoch), signed...), e.sig, now); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if e.prevID != epochID {
		return fmt.Errorf("%s: %w: the later block summarizes epoch %x, not %x", op, ErrMalformed, e.prevID[:4], epochID[:4])
	}
	c := chainStart(epochID)
	for _, m := range msgs {
		c = chainNext(c, m.Seq, m.Body)
	}
	if uint64(len(msgs)) != e.prevCount || c != e.prevChain {
		return fmt.Errorf("%s: %w: %d messages do not match the %d the sender signed for", op, ErrTampered, len(msgs), e.prevCount)
	}
	return nil
}
