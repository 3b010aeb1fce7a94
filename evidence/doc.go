// Package evidence builds and checks evidence bundles: one tar file that
// lets a third party check, without the service and without trusting
// the node that made it, what was sent, when, by whom, to whom, and
// that it was received.
//
// A bundle holds the transfer record, the signed manifest as it
// travelled, the sender's and the recipient's signatures of the
// transfer hash (the recipient's is the signed receipt), both
// destination certificates and both organizations' identity-proof
// chains as the registry shows them, and for every on-chain pin of the
// transfer hash (and of the document hash, when an app pinned it) the
// transaction, its receipt, the block header and the block's
// transactions and receipts, so that the header's transaction and
// receipt roots can be recomputed. A timeline puts the events in order.
//
// index.json lists every other file with its size and SHA-256, and
// index.sig is the exporting destination's signature of index.json
// (crypto.Sign, the same scheme as the transfer signatures), so that no
// byte of the bundle can change unnoticed, not even the node's own
// claims (when it sent, when the receipt came).
//
// Verify checks everything offline: every file against the index, the
// index signature, the transfer hash, both signatures and the manifest
// signature against the certificates, the certificates' validity at the
// transfer's time, the identity-proof chains, and the chain data
// (transaction and header hashes, the roots, the pin event). Given a
// JSON-RPC endpoint it also checks that each pin's block is the one the
// canonical chain has at that height, that the receipt is there with
// status 1 and the Pinned event, that the Pin contract proves the hash,
// and that the registry held the same identity proofs and destination
// certificates at the pin's block. docs/evidence.md explains the same
// checks by hand with openssl, sha256sum and curl.
package evidence
