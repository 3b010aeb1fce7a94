// Package ipfs stores Consign's objects as IPFS content, in one of two
// modes that share one name index and one content layout.
//
// # Content layout
//
// An object is imported as a UnixFS file the way Kubo's `ipfs add` does
// it: fixed 256 KiB chunks, a balanced DAG with at most 174 links per
// node, sha2-256. The default layout (LayoutCIDv1) uses CIDv1 with raw
// leaves, so an object under 256 KiB is a single raw block and its CID
// (bafkrei…) is the CID of its bytes. LayoutCIDv1ProtoLeaves and
// LayoutCIDv0 reproduce `--raw-leaves=false` and Kubo's historical
// default. Config.AddFlags gives the exact `ipfs add` flags that yield the
// same CIDs; ComputeCID computes one without storing anything. An
// object's CID is its Object.Ref.
//
// # Names
//
// IPFS has no names, so each store keeps a small SQLite database
// (Dir/index.db, WAL, synchronous=FULL) mapping key → root CID, size and
// modification time. Replacing a key is one transaction, so a Put becomes
// visible all at once, after its content is completely stored; a Put that
// fails or is cancelled never reaches the index. Listings are range scans
// of the key-ordered table, with "/" folding into common prefixes.
//
// # Embedded mode (NewEmbedded)
//
// No daemon: blocks live as one file each under Dir/blocks, sharded by
// the next-to-last two characters of the CID (flatfs's scheme), written
// to a temporary file, fsynced and renamed into place. Reads check every
// block against its CID and stream through boxo's UnixFS reader, which
// seeks with the sizes recorded in the DAG, so a range read touches only
// the blocks it needs and memory stays at a few chunks.
//
// Garbage collection is exact and immediate. The index records, for
// every root, the distinct blocks of its DAG (table links). When the last
// name of a root goes (Delete, or a Put replacing it), the root's links
// are dropped and every block no other DAG lists is deleted; a block two
// objects share survives until both are gone. Blocks that a running Put
// is writing are held in memory and never collected, and a root still
// streamed by an open reader is collected when the reader closes. After a
// crash, opening the store collects DAGs that no name refers to and block
// files that no DAG lists, and removes temporary files.
//
// # Kubo mode (NewKubo)
//
// Content goes to a Kubo node over its RPC API: /api/v0/add with the
// layout's flags (streamed as multipart, pin=false); before the index
// names a CID, it is linked into the store's own MFS folder
// (/consign/<store id>/<CID>, see RefsDir), which the node's garbage
// collection respects. Reads use /api/v0/cat with offset and length. When
// the last name of a CID goes, its MFS entry is removed and the node's
// own garbage collection (`ipfs repo gc`, or a daemon run with
// --enable-gc) reclaims the blocks, as it does those of a failed Put.
// Anything stored is ordinary IPFS content: `ipfs cat <Ref>` on the node
// returns it. Each store has its own folder, so several stores (or other
// users of the node) holding the same content never release it for each
// other.
package ipfs
