// Package docstore keeps the documents of a Consign node: one document
// space per member, with folders, SHA-256 hashes, search and per-member
// preferences.
//
// Content lives in a storage.Backend and nowhere else. The document at
// path "images/logo.png" of member "org1" is the backend object
// "org1/images/logo.png": the mapping is one to one, so an S3 bucket or
// Azure container shared with other tools shows their objects as
// documents, and folders are simply common prefixes (a folder exists
// while something is in it). Uploads stream straight to the backend
// through a SHA-256 hasher; nothing holds a whole document in memory.
//
// Metadata lives in the node's database (internal/metadb), one row per
// hashed document: member, path, size, hash, the backend's reference
// (ETag, CID) and modification time. The row is a cache of facts about
// one version of the object, identified by its fingerprint (size plus
// the backend reference, or the modification time when the backend has
// no reference). Listings read the backend and show a row's hash only
// while the fingerprint still matches; an object placed or replaced by
// other means shows with an empty hash until Space.Hash or
// Space.SyncHashes computes it. SyncHashes walks the backend and the
// rows together in path order, so it runs in bounded memory, and drops
// rows whose object has gone. Search reads the rows only.
//
// Writes to one path are serialised within the process, so the
// existence check of a create-only upload (HTTP POST) and its write are
// not interleaved with another writer. A failed or cancelled upload
// leaves the previous document in place, as the backend contract
// promises; the row is written only after the backend has the content.
//
// Received documents (transfers) must never be visible before they are
// verified. Store.Stage writes and hashes content under a staging folder
// outside every space; Space.Place then puts it at its final path in
// one step for readers (a Mover backend renames; others get a streaming
// copy checked against the staged hash); Store.Discard drops it.
// Space.ReceivedFolder expands the member's receivedDocumentsPath
// template.
//
// Paths from clients go through ParsePath, which refuses anything that
// could name something outside the space (".." and "." segments, also
// percent-encoded, backslashes, empty segments, control characters).
package docstore
