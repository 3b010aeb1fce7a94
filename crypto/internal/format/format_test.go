package format

import (
	"bytes"
	"testing"
)

func sampleHeader() *Header {
	h := &Header{Flags: FlagSigned, ChunkLog: 16}
	h.Salt[0] = 7
	h.Stanzas = []Stanza{{Type: StanzaP256, Body: bytes.Repeat([]byte{1}, 113)}, {Type: StanzaRSAOAEP, Body: bytes.Repeat([]byte{2}, 256)}}
	h.MAC[31] = 9
	return h
}

func TestHeaderRoundTrip(t *testing.T) {
	h := sampleHeader()
	raw := h.Marshal()
	got, body, err := Parse(bytes.NewReader(append(bytes.Clone(raw), "rest"...)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Marshal(), raw) || !bytes.Equal(body, raw[:len(raw)-MACSize]) {
		t.Fatal("round trip differs")
	}
	for n := range raw {
		if _, _, err := Parse(bytes.NewReader(raw[:n])); err == nil {
			t.Fatalf("truncated header of %d bytes parsed", n)
		}
	}
}

// FuzzParseHeader checks that Parse never panics and that whatever it
// accepts re-encodes to exactly the bytes it consumed.
func FuzzParseHeader(f *testing.F) {
	f.Add(sampleHeader().Marshal())
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		h, body, err := Parse(r)
		if err != nil {
			return
		}
		consumed := data[:len(data)-r.Len()]
		if !bytes.Equal(h.Marshal(), consumed) || !bytes.Equal(body, consumed[:len(consumed)-MACSize]) {
			t.Fatal("accepted header does not re-encode to its bytes")
		}
	})
}

// FuzzParseTrailer checks the same for trailers.
func FuzzParseTrailer(f *testing.F) {
	tr := &Trailer{Size: 5, SigAlg: SigECDSAP256, Signature: []byte{1, 2, 3}}
	f.Add(tr.Marshal())
	f.Add((&Trailer{}).Marshal())
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ParseTrailer(data)
		if err != nil {
			return
		}
		if !bytes.Equal(tr.Marshal(), data) {
			t.Fatal("accepted trailer does not re-encode to its bytes")
		}
	})
}
