// Package web is a Consign node's front door: one listener serving the
// REST API, the socket.io endpoint and the browser console.
//
// Every request passes, in order: a recover guard (a panic becomes a
// logged 500 JSON error), path cleaning (runs of '/' collapse to one so
// "/api/v1//search" is "/api/v1/search"; a "." or ".." segment is refused
// with 400 rather than resolved, so no path can climb the tree), CORS for
// the configured origins, and then one of:
//
//   - /healthz (200 while the process serves) and /readyz (runs the
//     readiness probes concurrently, each with a timeout: 200, or 503
//     naming what failed); no credentials needed;
//   - /socket.io/socket.io.js: the embedded socket.io-client 4.8.1
//     browser bundle; public;
//   - / and /console/...: the browser console (its page and its ES
//     modules under /console/assets/), public, under a strict
//     Content-Security-Policy; /console/session signs the console in and
//     out (session.go);
//   - /socket.io/: the socket.io server (Engine.IO 3 and 4, so
//     socket.io-client 2.x and 4.x both connect), authenticated per
//     connection by a namespace middleware;
//   - everything else: HTTP Basic auth with an application credential,
//     or a console session cookie, then the routes registered with
//     Server.Handle, POST /console/token and GET /api/v1/logs.
//
// Every response carries Content-Security-Policy "default-src 'none';
// frame-ancestors 'none'; …", X-Frame-Options DENY and
// X-Content-Type-Options nosniff; the console's pages and files set a
// CSP that allows only their own files ('self': scripts, styles,
// connections), nothing inline, and no framing.
//
// Authentication. A credential is checked by an auth.Verifier and must
// belong to the environment this node serves (Config.EnvironmentID); a
// credential of another environment gets 401 like a wrong password.
// Failed attempts are counted per (client address, user name) in a token
// bucket (default: 10, refilled one every 6 s); a pair with an empty
// bucket gets 429 with Retry-After before its credentials are even
// checked, which also caps the argon2id work spent on one user name.
// Failures for one user name never lock out the other users of an
// address (a shared proxy or NAT): their valid credentials always pass.
// The client address is the peer's, or, when the peer is one of
// Config.TrustedProxies, the first untrusted address of X-Forwarded-For
// read from the right; the header is ignored from any other peer.
//
// Operator routes (HandleOperator: the management API of web/adminapi,
// docs/admin.md) are authenticated instead by the verifier given to
// SetOperators, which checks operator credentials kept apart from the
// application credentials: an application credential gets 401 there, an
// operator credential 401 on every other route. Their failed attempts
// are counted by a limiter of their own.
//
// The console signs in with POST /console/session {"user","password"}
// (checked and rate-limited the same way) and gets an HttpOnly,
// SameSite=Strict session cookie and a CSRF token; with the cookie,
// state-changing requests must repeat the token in X-CSRF-Token, and
// requests a browser marks as from another site are refused. Refusals of
// the console's requests carry no WWW-Authenticate challenge, so no
// browser prompt appears.
//
// socket.io clients send the same Basic header in the handshake
// (extraHeaders). Browsers cannot set headers on a websocket, so the
// console asks POST /console/token for a single-use token valid 30 s and
// passes it in socket.io's auth payload ({token}) for each
// (re)connection. A refused handshake gets the
// socket.io error "unauthorized" with the reason in its data.
//
// Uploads. A document upload holds a connection, a temporary file and a
// copy buffer while its body arrives, so uploads in progress are capped
// per member (UploadLimits.PerMember, default 8: one more gets 429) and
// per node (UploadLimits.Total, default 64: 503), both with Retry-After,
// and refused before any byte of the body is read. A body that sends
// nothing for UploadLimits.BodyIdleTimeout (default 30 s; each read that
// brings bytes extends the connection's read deadline) is cut with 408
// and what it sent is removed.
//
// Errors. Every error body is {"error": "<message>"}. Handlers wrap
// errors that carry a kind (errkind) and call Error, which maps the kind
// to a status through one table (StatusFor); a 5xx hides details from the
// client and logs them.
//
// Socket events. OnConnection registers a handler for each authenticated
// connection; Conn exposes the principal, the connection's query
// parameters, Emit and On (with acknowledgements) and hides the socket.io
// library. EmitToMember reaches all connections of one member.
package web
