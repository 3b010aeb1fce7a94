package web

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The node's recent events per member, for the console's Logs view:
// transfers sent, received, acknowledged or failed, console sign-ins and
// sign-outs, credentials issued and revoked, and the first use of an
// application credential by a program (then at most once a minute).
// They live in this process (the last eventLogSize per member) and are
// pushed, as the socket.io event "log", to the member's console
// connections: those that connect with ?console=1, so that API clients
// never see an event the contract does not name.
const (
	eventLogSize  = 1000
	credentialGap = time.Minute
	logEvent      = "log"
)

// LogEntry is one event of a member's log.
type LogEntry struct {
	Time    string `json:"time"`
	Kind    string `json:"kind"` // transfer, session, credential, error
	Message string `json:"message"`
	ID      int64  `json:"id"`
}

type eventLog struct {
	now func() time.Time

	mu       sync.Mutex
	next     int64
	byMember map[string][]LogEntry
	used     map[string]time.Time // credential user → last "used" entry
	conns    map[string]map[*Conn]bool
}

func newEventLog(now func() time.Time) *eventLog {
	return &eventLog{now: now, byMember: map[string][]LogEntry{}, used: map[string]time.Time{}, conns: map[string]map[*Conn]bool{}}
}

// add records an event for member and pushes it to its consoles.
func (l *eventLog) add(member, kind, message string) {
	l.mu.Lock()
	l.next++
	e := LogEntry{Time: l.now().UTC().Format("2006-01-02T15:04:05.000Z07:00"), Kind: kind, Message: message, ID: l.next}
	list := append(l.byMember[member], e)
	if len(list) > eventLogSize {
		list = list[len(list)-eventLogSize:]
	}
	l.byMember[member] = list
	conns := make([]*Conn, 0, len(l.conns[member]))
	for c := range l.conns[member] {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Emit(logEvent, e) // a closing connection misses it; GET /api/v1/logs has it
	}
}

// credentialUsed records a program's use of credential user, at most
// once per credentialGap.
func (l *eventLog) credentialUsed(member, user, method, path string) {
	now := l.now()
	l.mu.Lock()
	last, seen := l.used[user]
	if seen && now.Sub(last) < credentialGap {
		l.mu.Unlock()
		return
	}
	l.used[user] = now
	l.mu.Unlock()
	l.add(member, "credential", "credential "+user+" used by a program: "+method+" "+path)
}

func (l *eventLog) watch(c *Conn) {
	m := c.Principal().Member
	l.mu.Lock()
	if l.conns[m] == nil {
		l.conns[m] = map[*Conn]bool{}
	}
	l.conns[m][c] = true
	l.mu.Unlock()
	c.OnDisconnect(func(string) {
		l.mu.Lock()
		delete(l.conns[m], c)
		l.mu.Unlock()
	})
}

// list returns member's entries, newest first, of kind (all when empty)
// containing text, at most limit.
func (l *eventLog) list(member, kind, text string, limit int) []LogEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	all := l.byMember[member]
	out := []LogEntry{}
	text = strings.ToLower(text)
	for i := len(all) - 1; i >= 0 && len(out) < limit; i-- {
		e := all[i]
		if (kind == "" || e.Kind == kind) && (text == "" || strings.Contains(strings.ToLower(e.Message), text)) {
			out = append(out, e)
		}
	}
	return out
}

// serveLogs answers GET /api/v1/logs?kind=&q=&limit= with
// {"events":[...]}, newest first.
func (s *Server) serveLogs(w http.ResponseWriter, r *http.Request) {
	p, _ := PrincipalFrom(r.Context())
	q := r.URL.Query()
	limit := 200
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > eventLogSize {
			WriteError(w, http.StatusBadRequest, "limit must be a number from 1 to "+strconv.Itoa(eventLogSize))
			return
		}
		limit = n
	}
	switch k := q.Get("kind"); k {
	case "", "transfer", "session", "credential", "error":
	default:
		WriteError(w, http.StatusBadRequest, "kind must be transfer, session, credential or error, not "+strconv.Quote(k))
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"events": s.events.list(p.Member, q.Get("kind"), q.Get("q"), limit)})
}
