package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/consign/consign/internal/errkind"
)

// Sentinel errors of the web layer. Handlers wrap them (or the errors of
// lower packages, which carry a kind of their own) and call Error.
var (
	// ErrBadRequest reports a request the handler cannot use (a bad
	// parameter, body or path): 400.
	ErrBadRequest = errkind.New(errkind.Invalid, "bad request")
	// ErrUnauthorized means the request carries no valid credential: 401.
	ErrUnauthorized = errkind.New(errkind.Unauthorized, "authentication required")
	// ErrForbidden means the caller may not do this: 403.
	ErrForbidden = errkind.New(errkind.Forbidden, "forbidden")
	// ErrNotFound is returned for a route or resource that does not exist: 404.
	ErrNotFound = errkind.New(errkind.NotFound, "not found")
	// ErrConflict means the request clashes with the current state: 409.
	ErrConflict = errkind.New(errkind.Conflict, "conflict")
	// ErrTooLarge is returned when a body exceeds its limit: 413.
	ErrTooLarge = errkind.New(errkind.TooLarge, "request too large")
	// ErrTooManyRequests is returned while a client that failed to
	// authenticate too often must wait: 429.
	ErrTooManyRequests = errkind.New(errkind.RateLimited, "too many failed authentication attempts")
	// ErrUnavailable means a service the request needs is not there (not
	// configured, or shutting down): 503; try again later.
	ErrUnavailable = errkind.New(errkind.Unavailable, "service unavailable")

	// ErrMethod is the one status no kind stands for: 405. StatusFor
	// answers it before asking for the kind.
	ErrMethod = errkind.New(errkind.Invalid, "method not allowed")
)

// kindStatus is the one place where error kinds become status codes; it
// covers every kind (TestKindStatusCoversEveryKind).
//
// Integrity (a signature, hash or tag that does not verify) is a 400: the
// client sent bytes that are not what they claim, like any other bad
// input; API.md promises 400 for a bad signature. Canceled is 499, the
// status proxies log for a client that closed the request: nobody reads
// the answer, and it is no fault of the node, so it is not logged as one.
var kindStatus = map[errkind.Kind]int{
	errkind.Internal:     http.StatusInternalServerError,
	errkind.Invalid:      http.StatusBadRequest,
	errkind.NotFound:     http.StatusNotFound,
	errkind.Exists:       http.StatusConflict,
	errkind.Conflict:     http.StatusConflict,
	errkind.Unauthorized: http.StatusUnauthorized,
	errkind.Forbidden:    http.StatusForbidden,
	errkind.TooLarge:     http.StatusRequestEntityTooLarge,
	errkind.RateLimited:  http.StatusTooManyRequests,
	errkind.Unavailable:  http.StatusServiceUnavailable,
	errkind.Timeout:      http.StatusGatewayTimeout,
	errkind.Integrity:    http.StatusBadRequest,
	errkind.Canceled:     statusClientClosed,
}

// statusClientClosed answers a request whose client went away.
const statusClientClosed = 499

// StatusFor returns the HTTP status for err: that of its kind
// (errkind.Of: the outermost kind in its chain), 500 for an error that
// carries none, 405 for ErrMethod, 408 for ErrBodyIdle.
func StatusFor(err error) int {
	if errors.Is(err, ErrMethod) {
		return http.StatusMethodNotAllowed
	}
	if errors.Is(err, ErrBodyIdle) {
		return http.StatusRequestTimeout
	}
	if st, ok := kindStatus[errkind.Of(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON shape of every error response (API.md).
type errorBody struct {
	Error string `json:"error"`
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes {"error": msg} with status.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, errorBody{Error: msg})
}

// Error answers a request that failed with err: the status comes from
// StatusFor; a 4xx carries err's message (which should say what was
// wrong and what to do), a 5xx a generic message, the details going to
// the log only. Every error is logged with the logger of the Server that
// serves r.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusFor(err)
	if log := loggerFrom(r.Context()); log != nil {
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.Log(r.Context(), level, "request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	var later *retryLater
	if errors.As(err, &later) {
		w.Header().Set("Retry-After", strconv.Itoa(later.seconds()))
	}
	msg := err.Error()
	if status >= 500 && later == nil {
		msg = http.StatusText(status) + ": the node could not complete the request; see its log"
	}
	WriteError(w, status, msg)
}

type loggerKey struct{}

func withLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

func loggerFrom(ctx context.Context) *slog.Logger {
	l, _ := ctx.Value(loggerKey{}).(*slog.Logger)
	return l
}
