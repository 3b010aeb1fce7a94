// Connects a Node socket.io client (2.x or 4.x, whichever NODE_PATH
// resolves) to a Consign node and prints one JSON object with what
// happened, for web/sio_node_test.go to check.
//
// Environment: CONSIGN_URL, CONSIGN_USER/CONSIGN_PASS (a credential of the
// node's environment), CONSIGN_USER_B/CONSIGN_PASS_B (a credential of
// another environment).
"use strict";
const io = require("socket.io-client");
const version = require("socket.io-client/package.json").version;
const major = Number(version.split(".")[0]);

const url = process.env.CONSIGN_URL;
const basic = (u, p) => "Basic " + Buffer.from(u + ":" + p).toString("base64");

function options(transport, authorization) {
  const headers = authorization ? { Authorization: authorization } : {};
  const o = {
    transports: [transport],
    forceNew: true,
    reconnection: false,
    timeout: 10000,
    query: { auto_commit: "false", tag: transport + "-" + major },
    extraHeaders: headers,
  };
  if (major < 3) {
    // 2.x reads polling headers from transportOptions.
    o.transportOptions = { polling: { extraHeaders: headers } };
  }
  return o;
}

// connectGood connects, waits for the server's welcome event, then makes
// an ack round trip and triggers a handler panic to see "exception".
function connectGood(transport) {
  return new Promise((resolve) => {
    const s = io(url, options(transport, basic(process.env.CONSIGN_USER, process.env.CONSIGN_PASS)));
    const out = { transport };
    const guard = setTimeout(() => { out.error = "no answer within 20 s"; s.close(); resolve(out); }, 20000);
    const finish = () => { clearTimeout(guard); s.close(); resolve(out); };
    s.on("connect_error", (e) => { out.error = "connect_error: " + (e && e.message); finish(); });
    s.on("error", (e) => { out.error = "error: " + JSON.stringify(e); finish(); });
    s.on("welcome", (w) => {
      out.welcome = w;
      s.emit("echo", { n: 42, text: "héllo" }, (err, result) => {
        out.ack = { err: err === undefined ? "undefined" : err, result };
        s.emit("boom");
      });
    });
    s.on("exception", (msg) => { out.exception = msg; finish(); });
  });
}

// connectBad expects the handshake to be refused.
function connectBad(transport, authorization, label) {
  return new Promise((resolve) => {
    const s = io(url, options(transport, authorization));
    const out = { transport, label };
    const guard = setTimeout(() => { out.outcome = "no answer within 20 s"; s.close(); resolve(out); }, 20000);
    const finish = (outcome, detail) => {
      clearTimeout(guard);
      if (!out.outcome) { out.outcome = outcome; out.detail = detail; }
      s.close();
      resolve(out);
    };
    s.on("connect", () => finish("connected"));
    s.on("welcome", () => finish("connected"));
    s.on("connect_error", (e) => finish("refused", { message: e && e.message, data: e && e.data }));
    s.on("error", (e) => finish("refused", e));
  });
}

(async () => {
  if (process.env.CONSIGN_MODE === "ratelimit") {
    // The node allows 2 failures: the third attempt is refused unchecked,
    // even with the right password.
    const wrong = basic(process.env.CONSIGN_USER, "wrong");
    const right = basic(process.env.CONSIGN_USER, process.env.CONSIGN_PASS);
    const attempts = [];
    for (const a of [wrong, wrong, right]) {
      attempts.push(await connectBad("websocket", a, "attempt"));
    }
    process.stdout.write(JSON.stringify({ version, attempts }) + "\n");
    process.exit(0);
  }
  const result = { version, good: [], bad: [] };
  for (const t of ["websocket", "polling"]) {
    result.good.push(await connectGood(t));
    result.bad.push(await connectBad(t, basic(process.env.CONSIGN_USER, process.env.CONSIGN_PASS + "x"), "wrong password"));
    result.bad.push(await connectBad(t, basic(process.env.CONSIGN_USER_B, process.env.CONSIGN_PASS_B), "other environment"));
    result.bad.push(await connectBad(t, "", "no credentials"));
  }
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
