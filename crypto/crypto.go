// Package crypto is Consign's security core: signatures over transfer
// hashes, the sealed envelope that carries documents between members,
// amortized sessions for streams of small messages, CMS EnvelopedData for
// externally managed destinations, and destination certificates and
// identity proofs.
//
// # Keys and certificates
//
// A destination is a key pair plus an X.509 certificate published in the
// on-chain registry. Keys are RSA (2048 bits or more), ECDSA P-256 or
// Ed25519. Private keys travel as PKCS#8 PEM; PKCS#1 and SEC 1 PEM are
// accepted on input because that is what openssl writes. Anywhere a
// private key is needed the package accepts a standard crypto.Signer (to
// sign) or a crypto.Decrypter / ECDH-capable key (to open), so a key held
// in an HSM can be used by wrapping it in those interfaces.
//
// # Signatures
//
// Sign and Verify implement one signature convention per key type:
// RSASSA-PKCS1-v1_5 with SHA-256 (what existing clients produce with
// `openssl dgst -sha256 -sign` or Node's crypto.createSign('SHA256')),
// ECDSA P-256 with SHA-256 (ASN.1 DER signature) and pure Ed25519.
// Verification against a certificate also checks that the certificate is
// valid at the given time. TransferHash, SignTransferHash and
// VerifyTransferHash apply this to the transferHash convention of the wire
// contract: the SHA-256 hex of from+to+hash+timestamp, signed as its ASCII
// bytes and exchanged as base64.
//
// # Sealed envelope
//
// Seal turns a document stream into an envelope readable only by the
// holders of the recipients' private keys: a fresh 256-bit file key is
// wrapped to each recipient certificate (RSA-OAEP-SHA256, or ephemeral
// ECDH on P-256 or X25519 followed by HKDF-SHA256 and AES-256-GCM), the
// header is authenticated with an HMAC keyed from the file key, and the
// (optionally zstd-compressed) payload is cut into chunks that are each
// sealed with AES-256-GCM under a counter nonce, so that any flipped bit,
// dropped, duplicated, reordered or truncated chunk is detected. A final
// trailer chunk carries the plaintext size and SHA-256 and, when the
// sender signs, the sender's signature over the header and that hash. Open
// reverses it with bounded memory. docs/envelope.md specifies the format
// byte by byte.
//
// # Sessions
//
// Wrapping and signing cost milliseconds with RSA keys, which dominates
// small messages. SessionSender and SessionReceiver amortize both over an
// epoch: one signed epoch block wraps a session key once, and each message
// is individually sealed with AES-256-GCM under that key with a sequence
// number. Every epoch block also carries the sender's signature over the
// hash chain of the previous epoch's messages, which makes those messages
// attributable to the sender by third parties. See docs/crypto.md.
//
// # Identity proofs
//
// VerifyIdentityProof checks the certificate chain a member publishes to
// prove its identity: the leaf CN is "<envId>-<nonce>--<Org Name>", every
// signature in the chain verifies, every certificate is within its
// validity period, the nonce and environment are the expected ones, and
// the claimed organization is reported beside the issuer chain so that a
// chain issued by another company's CA stands out.
package crypto

import "github.com/consign/consign/internal/errkind"

// Sentinel errors. Every error returned by this package wraps one of these
// (test with errors.Is) behind an operation prefix.
var (
	// ErrBadSignature means a signature does not verify.
	ErrBadSignature = errkind.New(errkind.Integrity, "signature does not verify")
	// ErrWrongSigner means the data was signed by a key other than the expected one(s).
	ErrWrongSigner = errkind.New(errkind.Integrity, "signed by an unexpected key")
	// ErrUnsigned is returned when a signature is required but the data carries none.
	ErrUnsigned = errkind.New(errkind.Invalid, "not signed")
	// ErrExpired means a certificate is outside its validity period.
	ErrExpired = errkind.New(errkind.Invalid, "certificate expired or not yet valid")
	// ErrUnsupportedKey is returned for a key or certificate of a type this package does not handle.
	ErrUnsupportedKey = errkind.New(errkind.Invalid, "unsupported key type")
	// ErrWrongName means a certificate's subject is not the one required.
	ErrWrongName = errkind.New(errkind.Invalid, "certificate subject is not the required name")
	// ErrBadPEM means PEM input holds no usable block of the expected type.
	ErrBadPEM = errkind.New(errkind.Invalid, "malformed PEM")

	// ErrNotRecipient means none of the envelope's recipients matches the key given.
	ErrNotRecipient = errkind.New(errkind.Forbidden, "not a recipient of this envelope")
	// ErrMalformed means the envelope (or message, or CMS structure) cannot be parsed.
	ErrMalformed = errkind.New(errkind.Invalid, "malformed envelope")
	// ErrTampered means authentication failed: the header or a chunk was modified,
	// reordered, or encrypted under another key.
	ErrTampered = errkind.New(errkind.Integrity, "authentication failed (tampered or reordered data)")
	// ErrTruncated means the envelope ends before its final chunk.
	ErrTruncated = errkind.New(errkind.Integrity, "envelope truncated")
	// ErrTrailingData means bytes follow the final chunk.
	ErrTrailingData = errkind.New(errkind.Integrity, "data after the end of the envelope")

	// ErrReplay is returned for a session message already accepted (or too old to tell).
	ErrReplay = errkind.New(errkind.Integrity, "message replayed")
	// ErrSessionState is returned for a session message that refers to an epoch the receiver cannot use.
	ErrSessionState = errkind.New(errkind.Conflict, "unknown or invalid session epoch")

	// ErrBadChain means an identity-proof chain does not verify (bad signature,
	// broken issuer link, untrusted root, malformed leaf name).
	ErrBadChain = errkind.New(errkind.Integrity, "certificate chain does not verify")
	// ErrBadNonce means the identity proof names a nonce other than the one issued.
	ErrBadNonce = errkind.New(errkind.Invalid, "identity proof nonce does not match")
	// ErrWrongEnvironment means the identity proof names another environment.
	ErrWrongEnvironment = errkind.New(errkind.Invalid, "identity proof is for another environment")
	// ErrRevoked means a certificate of the chain is listed in a supplied CRL.
	ErrRevoked = errkind.New(errkind.Forbidden, "certificate revoked")
)
