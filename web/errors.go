package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/destination"
	"github.com/consign/consign/docstore"
	"github.com/consign/consign/internal/auth"
)

// Sentinel errors of the web layer. Handlers wrap them (or the sentinels
// of lower packages listed in statusTable) and call Error.
var (
	ErrBadRequest      = errors.New("bad request")
	ErrUnauthorized    = errors.New("authentication required")
	ErrForbidden       = errors.New("forbidden")
	ErrNotFound        = errors.New("not found")
	ErrMethod          = errors.New("method not allowed")
	ErrConflict        = errors.New("conflict")
	ErrTooLarge        = errors.New("request too large")
	ErrTooManyRequests = errors.New("too many failed authentication attempts")
	ErrUnavailable     = errors.New("service unavailable")
)

// statusEntry maps one sentinel to an HTTP status.
type statusEntry struct {
	err    error
	status int
}

// statusTable is the one place where sentinels become status codes.
// Later parts add their sentinels here (docstore.ErrNotFound → 404, …);
// the first entry that errors.Is matches wins.
func statusTable() []statusEntry {
	return []statusEntry{
		{ErrBadRequest, http.StatusBadRequest},
		{ErrUnauthorized, http.StatusUnauthorized},
		{auth.ErrBadCredentials, http.StatusUnauthorized},
		{auth.ErrWrongEnvironment, http.StatusUnauthorized},
		{ErrForbidden, http.StatusForbidden},
		{ErrNotFound, http.StatusNotFound},
		{ErrMethod, http.StatusMethodNotAllowed},
		{ErrConflict, http.StatusConflict},
		{ErrTooLarge, http.StatusRequestEntityTooLarge},
		{ErrTooManyRequests, http.StatusTooManyRequests},
		{ErrUnavailable, http.StatusServiceUnavailable},
		{context.DeadlineExceeded, http.StatusGatewayTimeout},
		{docstore.ErrNotFound, http.StatusNotFound},
		{docstore.ErrExists, http.StatusConflict},
		{docstore.ErrIsFolder, http.StatusConflict},
		{docstore.ErrNotFolder, http.StatusConflict},
		{docstore.ErrChanged, http.StatusConflict},
		{docstore.ErrInvalidPath, http.StatusBadRequest},
		{docstore.ErrInvalidArgument, http.StatusBadRequest},
		{docstore.ErrIncomplete, http.StatusBadRequest},
		{destination.ErrUnknownDestination, http.StatusNotFound},
		{destination.ErrForeignDestination, http.StatusForbidden},
		{docstore.ErrRecipientUnusable, http.StatusConflict},
		{docstore.ErrUnknownTransfer, http.StatusNotFound},
		{docstore.ErrTransfersClosed, http.StatusServiceUnavailable},
		{app2app.ErrBadRequest, http.StatusBadRequest},
		{destination.ErrBadCertificate, http.StatusBadRequest},
		{app2app.ErrBadSignature, http.StatusBadRequest},
		{app2app.ErrNotHosted, http.StatusForbidden},
		{app2app.ErrNameTaken, http.StatusConflict},
		{app2app.ErrManaged, http.StatusConflict},
		{app2app.ErrTooLarge, http.StatusRequestEntityTooLarge},
		{app2app.ErrClosed, http.StatusServiceUnavailable},
		{destination.ErrBadURI, http.StatusBadRequest},
	}
}

// StatusFor returns the HTTP status for err: the status of the first
// sentinel in the table that err wraps, 500 otherwise.
func StatusFor(err error) int {
	for _, e := range statusTable() {
		if errors.Is(err, e.err) {
			return e.status
		}
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
	msg := err.Error()
	if status >= 500 {
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
