// Connects a Node socket.io client (2.x or 4.x, whichever NODE_PATH
// resolves) the way the hosted service's snippets do: to the endpoint
// URL <base>/api/v1 (namespace /api/v1) with options in that URL's query,
// and to the root; checks that a document event pushed to the member
// reaches both, and that an unknown namespace is refused. Prints one JSON
// object for web/sio_node_test.go.
//
// Environment: CONSIGN_URL (http://host:port), CONSIGN_USER/CONSIGN_PASS.
"use strict";
const io = require("socket.io-client");
const version = require("socket.io-client/package.json").version;
const major = Number(version.split(".")[0]);

const base = process.env.CONSIGN_URL;
const authorization = "Basic " + Buffer.from(process.env.CONSIGN_USER + ":" + process.env.CONSIGN_PASS).toString("base64");

function connect(url, transport) {
  const headers = { Authorization: authorization };
  const o = { transports: [transport], forceNew: true, reconnection: false, timeout: 20000, extraHeaders: headers };
  if (major < 3) o.transportOptions = { polling: { extraHeaders: headers } };
  const s = io(url, o);
  const out = { url, transport };
  return new Promise((resolve) => {
    const done = (k, v) => { if (!out.outcome) { out.outcome = k; out.detail = v; resolve({ s, out }); } };
    s.on("welcome", (w) => { out.welcome = w; done("connected"); });
    s.on("connect_error", (e) => done("refused", { message: e && e.message, data: e && e.data }));
    s.on("error", (e) => done("refused", e));
  });
}

// next resolves with the first event named ev on s.
const next = (s, ev) => new Promise((resolve) => s.once(ev, (...a) => resolve(a)));

(async () => {
  const result = { version, runs: [] };
  for (const t of ["websocket", "polling"]) {
    const run = { transport: t };
    const v1 = await connect(base.replace(/^http/, "ws") + "/api/v1?auto_commit=false&tag=" + t, t);
    const root = await connect(base, t);
    run.v1 = v1.out;
    run.root = root.out;
    if (v1.out.outcome === "connected" && root.out.outcome === "connected") {
      const a = next(v1.s, "document_sent"), b = next(root.s, "document_sent");
      v1.s.emit("poke", "doc-" + t);
      run.events = { v1: await a, root: await b };
    }
    v1.s.close();
    root.s.close();
    const nope = await connect(base + "/nope", t);
    nope.s.close();
    run.nope = nope.out;
    result.runs.push(run);
  }
  // Exiting with a long-poll still open aborts it; close gracefully.
  await new Promise((r) => setTimeout(r, 300));
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
})().catch((e) => { console.error(e); process.exit(1); });
