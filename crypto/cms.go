package crypto

import (
	"bytes"
	stdcrypto "crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
)

// CMS EnvelopedData (RFC 5652, section 6) with RSA key transport
// (rsaEncryption, i.e. RSAES-PKCS1-v1_5) and AES-256-CBC content
// encryption: the one combination that `openssl cms -decrypt` and
// node-forge's pkcs7 module both open. It exists for externally managed
// destinations, whose clients decrypt messages themselves; Consign's own
// traffic uses the sealed envelope, which is authenticated. CMS
// EnvelopedData is not: anyone holding the recipient certificate can
// produce one, so whatever it carries must be signed inside.

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEnvelopedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidAES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// MaxCMSSize bounds the CMS input DecryptCMS accepts (CMS is for messages).
const MaxCMSSize = 64 << 20

type cmsContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue // [0] EXPLICIT, handled by hand
}

type cmsEnvelopedData struct {
	Version              int
	RecipientInfos       []cmsKeyTransRecipient `asn1:"set"`
	EncryptedContentInfo cmsEncryptedContentInfo
}

type cmsKeyTransRecipient struct {
	Version                int
	IssuerAndSerial        cmsIssuerAndSerial
	KeyEncryptionAlgorithm pkix.AlgorithmIdentifier
	EncryptedKey           []byte
}

type cmsIssuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type cmsEncryptedContentInfo struct {
	ContentType                asn1.ObjectIdentifier
	ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
	EncryptedContent           asn1.RawValue `asn1:"tag:0,optional"`
}

// EncryptCMS encrypts content to RSA recipient certificates as a CMS
// EnvelopedData and returns it PEM-encoded ("-----BEGIN PKCS7-----").
func EncryptCMS(content []byte, recipients []*x509.Certificate) ([]byte, error) {
	der, err := EncryptCMSDER(content, recipients)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: der}), nil
}

// EncryptCMSDER is EncryptCMS without the PEM armour.
func EncryptCMSDER(content []byte, recipients []*x509.Certificate) ([]byte, error) {
	const op = "crypto: cms encrypt"
	if len(recipients) == 0 {
		return nil, fmt.Errorf("%s: no recipients: %w", op, ErrMalformed)
	}
	key := make([]byte, 32)
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if _, err := rand.Read(iv); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	env := cmsEnvelopedData{}
	for _, c := range recipients {
		pub, ok := c.PublicKey.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%s: recipient %q has a %T key; CMS export needs RSA: %w", op, c.Subject.CommonName, c.PublicKey, ErrUnsupportedKey)
		}
		//lint:ignore SA1019 CMS KeyTransRecipientInfo with rsaEncryption is what openssl cms and the CMS readers this exports to expect
		ek, err := rsa.EncryptPKCS1v15(rand.Reader, pub, key)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		env.RecipientInfos = append(env.RecipientInfos, cmsKeyTransRecipient{
			IssuerAndSerial:        cmsIssuerAndSerial{Issuer: asn1.RawValue{FullBytes: c.RawIssuer}, Serial: c.SerialNumber},
			KeyEncryptionAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1.NullRawValue},
			EncryptedKey:           ek,
		})
	}
	pad := aes.BlockSize - len(content)%aes.BlockSize
	ct := make([]byte, len(content)+pad)
	copy(ct, content)
	for i := len(content); i < len(ct); i++ {
		ct[i] = byte(pad)
	}
	b, _ := aes.NewCipher(key)
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(ct, ct)
	ivDER, _ := asn1.Marshal(iv)
	env.EncryptedContentInfo = cmsEncryptedContentInfo{
		ContentType:                oidData,
		ContentEncryptionAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidAES256CBC, Parameters: asn1.RawValue{FullBytes: ivDER}},
		EncryptedContent:           asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: ct},
	}
	inner, err := asn1.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return asn1.Marshal(cmsContentInfo{ContentType: oidEnvelopedData, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}})
}

// DecryptCMS opens a CMS EnvelopedData (PEM "PKCS7"/"CMS" or DER) with an
// RSA private key. cert selects the recipient entry (by issuer and serial
// number); when nil the message must have exactly one recipient. Content
// encryption must be AES-256-CBC (or AES-128/192-CBC) and key transport
// rsaEncryption. Failures wrap ErrMalformed, ErrNotRecipient or ErrTampered
// (wrong key or corrupted ciphertext; the two are indistinguishable by
// design).
func DecryptCMS(data []byte, key stdcrypto.Decrypter, cert *x509.Certificate) ([]byte, error) {
	const op = "crypto: cms decrypt"
	if len(data) > MaxCMSSize {
		return nil, fmt.Errorf("%s: %d bytes exceeds %d: %w", op, len(data), MaxCMSSize, ErrMalformed)
	}
	der := data
	if b, _ := pem.Decode(data); b != nil {
		if b.Type != "PKCS7" && b.Type != "CMS" {
			return nil, fmt.Errorf("%s: PEM block %q: %w", op, b.Type, ErrMalformed)
		}
		der = b.Bytes
	}
	var ci cmsContentInfo
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%s: not a CMS ContentInfo: %w", op, ErrMalformed)
	}
	if !ci.ContentType.Equal(oidEnvelopedData) || ci.Content.Class != asn1.ClassContextSpecific || ci.Content.Tag != 0 || !ci.Content.IsCompound {
		return nil, fmt.Errorf("%s: content type %v is not EnvelopedData: %w", op, ci.ContentType, ErrMalformed)
	}
	var env cmsEnvelopedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &env); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%s: bad EnvelopedData: %w", op, ErrMalformed)
	}
	var ri *cmsKeyTransRecipient
	switch {
	case cert != nil:
		for i := range env.RecipientInfos {
			r := &env.RecipientInfos[i]
			if bytes.Equal(r.IssuerAndSerial.Issuer.FullBytes, cert.RawIssuer) && r.IssuerAndSerial.Serial != nil &&
				r.IssuerAndSerial.Serial.Cmp(cert.SerialNumber) == 0 {
				ri = r
				break
			}
		}
	case len(env.RecipientInfos) == 1:
		ri = &env.RecipientInfos[0]
	}
	if ri == nil {
		return nil, fmt.Errorf("%s: %d recipient(s), none selected: %w", op, len(env.RecipientInfos), ErrNotRecipient)
	}
	if !ri.KeyEncryptionAlgorithm.Algorithm.Equal(oidRSAEncryption) {
		return nil, fmt.Errorf("%s: key transport %v: %w", op, ri.KeyEncryptionAlgorithm.Algorithm, ErrUnsupportedKey)
	}
	eci := env.EncryptedContentInfo
	var keyLen int
	switch a := eci.ContentEncryptionAlgorithm.Algorithm; {
	case a.Equal(oidAES256CBC):
		keyLen = 32
	case a.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}):
		keyLen = 24
	case a.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}):
		keyLen = 16
	default:
		return nil, fmt.Errorf("%s: content encryption %v: %w", op, a, ErrUnsupportedKey)
	}
	var iv []byte
	if rest, err := asn1.Unmarshal(eci.ContentEncryptionAlgorithm.Parameters.FullBytes, &iv); err != nil || len(rest) != 0 || len(iv) != aes.BlockSize {
		return nil, fmt.Errorf("%s: bad IV: %w", op, ErrMalformed)
	}
	ct, err := cmsOctets(eci.EncryptedContent)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%s: bad encrypted content: %w", op, ErrMalformed)
	}
	// SessionKeyLen makes a bad PKCS#1 block yield a random key instead of
	// an error (no Bleichenbacher oracle); the padding check below then fails.
	//lint:ignore SA1019 reading CMS rsaEncryption key transport, with the implicit-rejection option above
	ck, err := key.Decrypt(rand.Reader, ri.EncryptedKey, &rsa.PKCS1v15DecryptOptions{SessionKeyLen: keyLen})
	if err != nil || len(ck) != keyLen {
		return nil, fmt.Errorf("%s: %w", op, ErrTampered)
	}
	b, _ := aes.NewCipher(ck)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, aes.BlockSize)
	if good == 1 {
		for _, c := range pt[len(pt)-pad:] {
			good &= subtle.ConstantTimeByteEq(c, byte(pad))
		}
	}
	if good != 1 {
		return nil, fmt.Errorf("%s: wrong key or corrupted content: %w", op, ErrTampered)
	}
	return pt[:len(pt)-pad], nil
}

// cmsOctets returns the bytes of [0] IMPLICIT OCTET STRING, primitive or
// constructed (BER segments, as some encoders write).
func cmsOctets(v asn1.RawValue) ([]byte, error) {
	if v.Class != asn1.ClassContextSpecific || v.Tag != 0 {
		return nil, ErrMalformed
	}
	if !v.IsCompound {
		return v.Bytes, nil
	}
	var out []byte
	rest := v.Bytes
	for len(rest) > 0 {
		var seg []byte
		var err error
		rest, err = asn1.Unmarshal(rest, &seg)
		if err != nil {
			return nil, ErrMalformed
		}
		out = append(out, seg...)
	}
	return out, nil
}
