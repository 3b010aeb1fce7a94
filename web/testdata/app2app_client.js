// App-to-app messaging as an existing client does it, with whichever
// socket.io-client (2.x or 4.x) NODE_PATH resolves, over websocket and
// polling. Prints one JSON object for web/app2app_test.go to check.
//
// Environment:
//   CONSIGN_URL                      node base URL (of member m1's node)
//   CONSIGN_URL2                     base URL of member m2's node, when
//                                    the members live on two nodes
//   CONSIGN_USER1/PASS1, USER2/PASS2 credentials of members m1 and m2
//   CONSIGN_MODE                     roundtrip | manual | external
//   CONSIGN_DESTS                    JSON {websocket: {...}, polling: {...}}:
//                                    per transport the destination URIs
//                                    (from, to; for external also the PEM
//                                    keys and certificates)
"use strict";
const io = require("socket.io-client");
const forge = require("node-forge");
const version = require("socket.io-client/package.json").version;
const major = Number(version.split(".")[0]);

const url = process.env.CONSIGN_URL;
const url2 = process.env.CONSIGN_URL2 || url;
const dests = JSON.parse(process.env.CONSIGN_DESTS);
const basic = (u, p) => "Basic " + Buffer.from(u + ":" + p).toString("base64");
const m1 = basic(process.env.CONSIGN_USER1, process.env.CONSIGN_PASS1);
const m2 = basic(process.env.CONSIGN_USER2, process.env.CONSIGN_PASS2);

// CONSIGN_NS (e.g. "/api/v1"), when set, is appended to the node URL and
// the options go into that URL's query, as the hosted service's snippets
// write them (wss://host/api/v1?auto_commit=false).
const ns = process.env.CONSIGN_NS || "";

function connect(transport, authorization, query) {
  const headers = { Authorization: authorization };
  const o = {
    transports: [transport], forceNew: true, reconnection: false, timeout: 20000,
    extraHeaders: headers,
  };
  let u = authorization === m2 ? url2 : url;
  if (ns) {
    u = u.replace(/^http/, "ws") + ns;
    const q = new URLSearchParams(query || {}).toString();
    if (q) u += "?" + q;
  } else {
    o.query = query || {};
  }
  if (major < 3) o.transportOptions = { polling: { extraHeaders: headers } };
  const s = io(u, o);
  s.exceptions = [];
  s.on("exception", (e) => s.exceptions.push(e));
  return new Promise((resolve, reject) => {
    s.on("connect", () => resolve(s));
    s.on("connect_error", (e) => reject(new Error("connect_error: " + (e && e.message))));
    s.on("error", (e) => reject(new Error("error: " + JSON.stringify(e))));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const within = (p, ms, what) => Promise.race([p, sleep(ms).then(() => { throw new Error("timeout: " + what); })]);
const emitAck = (s, ...args) => new Promise((resolve) => s.emit(...args, (...a) => resolve(a.map((x) => (x === undefined ? "undefined" : x)))));

// collect resolves once n data events arrived (or keeps collecting).
function collector(s) {
  const got = [];
  let waiters = [];
  s.on("data", (message, key, timestamp) => {
    let m = message;
    if (typeof message === "object" && message !== null) {
      const c = message.content;
      m = { headers: message.headers, text: typeof c === "string", content: Buffer.isBuffer(c) ? c.toString("hex") : c };
      if (message.headers && message.headers.signature) {
        m.headers = Object.assign({}, message.headers, { signature: Buffer.from(message.headers.signature).toString("hex") });
      }
    }
    got.push({ message: m, key, timestamp });
    waiters = waiters.filter((w) => (got.length >= w.n ? (w.resolve(), false) : true));
  });
  got.waitFor = (n) => (got.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })));
  return got;
}

async function roundtrip(transport) {
  const d = dests[transport];
  const out = { transport };
  const cons = await connect(transport, m2);
  const data = collector(cons);
  out.subscribe = await emitAck(cons, "subscribe", [d.to]);
  const prod = await connect(transport, m1);
  const reports = [];
  prod.on("delivery-report", (r) => reports.push(r));
  const n = 20;
  const acks = [];
  for (let i = 0; i < n; i++) {
    const content = i % 2 === 0 ? "text " + i + " ✓" : Buffer.from([i, 0, 255, i]);
    acks.push(emitAck(prod, "produce", { headers: { from: d.from, to: d.to, seq: String(i) }, content }, "k" + (i % 3)));
  }
  out.acks = await within(Promise.all(acks), 60000, "acks");
  await within(data.waitFor(n), 60000, "data");
  out.reports = reports;
  out.data = data.slice();
  // Refusals, each answered through the ack.
  out.refusals = {
    unknownTo: await emitAck(prod, "produce", { headers: { from: d.from, to: d.to + "-nope" }, content: "x" }, "r1"),
    foreignFrom: await emitAck(prod, "produce", { headers: { from: d.to, to: d.from }, content: "x" }, "r2"),
    notAnObject: await emitAck(prod, "produce", "just a string", "r3"),
    noContent: await emitAck(prod, "produce", { headers: { from: d.from, to: d.to } }, "r4"),
    subscribeForeign: await emitAck(prod, "subscribe", [d.to]),
    subscribeNotArray: await emitAck(prod, "subscribe", 42),
  };
  // Without an ack, a refusal arrives as an exception event.
  prod.emit("produce", { headers: { from: d.from } }, "r5");
  await within((async () => { while (prod.exceptions.length === 0) await sleep(20); })(), 20000, "exception");
  out.exceptions = prod.exceptions.slice();
  prod.close();
  cons.close();
  await sleep(300); // let the close handshakes finish (see settle below)
  return out;
}

async function manual(transport) {
  const d = dests[transport];
  const out = { transport, rounds: [] };
  const prod = await connect(transport, m1);
  const acks = [];
  for (let i = 0; i < 3; i++) acks.push(emitAck(prod, "produce", { headers: { from: d.from, to: d.to }, content: "c" + i }, "m"));
  out.acks = await within(Promise.all(acks), 60000, "acks");
  prod.close();
  // plan: per consumer, how many messages to take and whether to commit each.
  const plans = [[false], [true, true, false], [true]];
  for (const plan of plans) {
    const cons = await connect(transport, m2, { auto_commit: "false" });
    const data = collector(cons);
    const ack = await emitAck(cons, "subscribe", [d.to]);
    for (let i = 0; i < plan.length; i++) {
      await within(data.waitFor(i + 1), 60000, "data " + i);
      if (plan[i]) cons.emit("commit");
    }
    // Nothing more may come while the last one is uncommitted (or, after
    // the final commit, because nothing is left).
    await sleep(500);
    out.rounds.push({ subscribe: ack, got: data.map((x) => x.message.content), exceptions: cons.exceptions });
    cons.close();
    await sleep(200);
  }
  return out;
}

async function external(transport) {
  const d = dests[transport];
  const out = { transport, messages: [] };
  const fromKey = forge.pki.privateKeyFromPem(d.from_key);
  const fromCert = forge.pki.certificateFromPem(d.from_cert);
  const toKey = forge.pki.privateKeyFromPem(d.to_key);
  const cons = await connect(transport, m2);
  const data = collector(cons);
  out.subscribe = await emitAck(cons, "subscribe", [d.to]);
  const prod = await connect(transport, m1);
  const sign = (text) => {
    const md = forge.md.sha256.create();
    md.update(text, "utf8");
    return Buffer.from(fromKey.sign(md), "binary");
  };
  const n = 3;
  const acks = [];
  for (let i = 0; i < n; i++) {
    const content = "secret " + i + " ✓";
    acks.push(emitAck(prod, "produce", { headers: { from: d.from, to: d.to, signature: sign(content) }, content }, "x" + i));
  }
  out.acks = await within(Promise.all(acks), 60000, "acks");
  const forged = sign("something else");
  out.badSignature = await emitAck(prod, "produce", { headers: { from: d.from, to: d.to, signature: forged }, content: "secret" }, "bad");
  out.noSignature = await emitAck(prod, "produce", { headers: { from: d.from, to: d.to }, content: "secret" }, "none");
  await within(data.waitFor(n), 60000, "data");
  for (const x of data) {
    const r = { key: x.key, timestamp: x.timestamp, pem: x.message };
    try {
      const p7 = forge.pkcs7.messageFromPem(x.message);
      p7.decrypt(p7.recipients[0], toKey);
      const json = JSON.parse(Buffer.from(p7.content.getBytes(), "binary").toString("utf8"));
      r.from = json.headers.from;
      r.to = json.headers.to;
      r.content = json.content;
      const sig = Buffer.from(json.headers.signature);
      const md = forge.md.sha256.create();
      md.update(json.content, "utf8");
      r.verified = fromCert.publicKey.verify(md.digest().bytes(), sig.toString("binary"));
    } catch (e) {
      r.error = String(e && e.stack || e);
    }
    out.messages.push(r);
  }
  prod.close();
  cons.close();
  await sleep(300); // let the close handshakes finish (see settle below)
  return out;
}

(async () => {
  const mode = { roundtrip, manual, external }[process.env.CONSIGN_MODE];
  const result = { version, runs: [] };
  for (const t of ["websocket", "polling"]) {
    try {
      result.runs.push(await mode(t));
    } catch (e) {
      result.runs.push({ transport: t, error: String(e && e.stack || e) });
    }
  }
  // Exiting with a long-poll still open aborts it, which trips a data race
  // inside the Go socket.io server library (reported); close gracefully.
  await sleep(300);
  process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
})().catch((e) => { console.error(e); process.exit(1); });
