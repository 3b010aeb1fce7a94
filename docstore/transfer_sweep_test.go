package docstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app2app/app2apptest"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/storage"
	"github.com/consign/consign/storage/storagetest/stores"
)

// TestStagingLeftoversSwept: a receiver that crashed after staging a
// transfer's content but before placing it leaves the staged object
// behind, with no live transfer to place or discard it. A node that does
// not sweep keeps it for good; a node opening with the sweep removes it
// once it is older than StagingMaxAge, and keeps both recent staging
// (another node's transfer still arriving) and the staged content of a
// transfer recorded as being placed (its manifest completes it).
func TestStagingLeftoversSwept(t *testing.T) {
	for _, bk := range []struct {
		name string
		open func(t *testing.T) storage.Backend
	}{{"local", stores.Local}, {"s3", stores.S3}} {
		t.Run(bk.name, func(t *testing.T) {
			ctx := context.Background()
			bob := app2apptest.RandomID("bob")
			net := newNet(t, app2apptest.Embedded(t), bob)
			var clock time.Duration // how far ahead of the wall clock the node's clock is
			nd := net.newNode(t, bob, bk.open(t), func(c *docstore.TransferConfig) {
				c.Now = func() time.Time { return time.Now().Add(clock) }
			})
			// What a crash leaves: content staged for two transfers, one of
			// them recorded as verified and being placed.
			orphan, err := nd.st.Stage(ctx, strings.NewReader("staged, then the node was killed"))
			if err != nil {
				t.Fatal(err)
			}
			live, err := nd.st.Stage(ctx, strings.NewReader("verified, being placed"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := nd.db.ExecContext(ctx, `INSERT INTO docstore_transfers_in (id, member, from_uri, to_uri, document, hash,
				size, timestamp, transfer_hash, sender_sig, recipient_sig, status, error, attempt, staged_key, staged_size,
				staged_hash, staged_ref, staged_mod_ns, created_ns) VALUES ('t-placing', ?, 'documentstore://x/y', ?, '', ?, ?, '', '',
				'', '', 'placing', '', 1, ?, ?, ?, ?, ?, 0)`, bob, nd.member.uri, live.Hash, live.Size, live.Key, live.Size,
				live.Hash, live.Ref, live.ModTime.UnixNano()); err != nil {
				t.Fatal(err)
			}
			want := func(what string, keys ...string) {
				t.Helper()
				var got []string
				for _, k := range stagingKeys(t, nd.b) {
					got = append(got, strings.SplitN(k, ":", 2)[0]) // allKeys adds size and ref
				}
				slices.Sort(got)
				slices.Sort(keys)
				if !slices.Equal(got, keys) {
					t.Fatalf("%s: staging holds %v, want %v", what, got, keys)
				}
				t.Logf("%s: %d staged objects", what, len(got))
			}
			want("after the crash", orphan.Key, live.Key)

			restart := func(maxAge, ahead time.Duration) {
				nd.closeNode()
				nd.cfg.StagingMaxAge = maxAge
				clock = ahead
				nd.open()
			}
			// Before: a node that does not sweep keeps the leftover for good.
			restart(-1, time.Hour)
			want("restarted without the sweep, an hour later", orphan.Key, live.Key)
			// Recent staging is spared.
			restart(0, 0)
			want("restarted with the sweep at once", orphan.Key, live.Key)
			// Older than StagingMaxAge (10 minutes): the orphan goes, the
			// content of the transfer being placed stays.
			restart(0, 11*time.Minute)
			want("restarted with the sweep 11 minutes later", live.Key)
		})
	}
}
