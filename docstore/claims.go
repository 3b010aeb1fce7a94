package docstore

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// claimOwner names the process that claimed an outbox row: its host,
// its process id, and a random id of its run of the transfer service
// (which tells a restarted process apart from its predecessor when the
// process id is reused, as it is for PID 1 in a container).
type claimOwner struct {
	host string
	pid  int
	run  string
}

func thisProcess() claimOwner {
	host, _ := os.Hostname()
	return claimOwner{host: host, pid: os.Getpid(), run: randomName()}
}

// releaseDeadClaims makes due at once the outbox rows claimed by a
// process of this host that is gone: an earlier run with this very
// process id, or a process id no longer alive. Without it a transfer
// interrupted by a crash waits for its claim to lapse (Lease). Claims of
// live processes, and of other hosts (whose processes cannot be checked
// from here), are left to lapse. It returns how many rows it released.
func (t *Transfers) releaseDeadClaims(ctx context.Context) (int, error) {
	if t.owner.host == "" {
		return 0, nil
	}
	now := t.now().UnixNano()
	rows, err := t.db.QueryContext(ctx, `SELECT id, claim_pid, claim_run FROM docstore_transfers_out
		WHERE state = 'queued' AND next_ns > ? AND claim_host = ? AND claim_run != '' AND claim_run != ?`, now, t.owner.host, t.owner.run)
	if err != nil {
		return 0, err
	}
	type claim struct {
		id, run string
		pid     int
	}
	var claims []claim
	for rows.Next() {
		var c claim
		if rows.Scan(&c.id, &c.pid, &c.run) == nil {
			claims = append(claims, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	released := 0
	for _, c := range claims {
		if c.pid != t.owner.pid && processAlive(c.pid) {
			continue
		}
		res, err := t.db.ExecContext(ctx, `UPDATE docstore_transfers_out SET next_ns = ?, claim_run = ''
			WHERE id = ? AND state = 'queued' AND claim_host = ? AND claim_pid = ? AND claim_run = ?`, now, c.id, t.owner.host, c.pid, c.run)
		if err != nil {
			return released, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			t.log.Info("docstore: outbox: resuming a transfer its previous sender left claimed", "id", c.id, "pid", c.pid)
			released++
		}
	}
	return released, nil
}

// processAlive reports whether a process of id pid runs on this host
// (one of another user counts: it may not be signalled, but it exists).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
