// Transfers a document between two members the way existing Node clients
// do: socket.io-client 2.x listening for document_sent,
// document_received and transfer_acknowledgement, axios + form-data for
// the upload, a browse and two searches, POST /transfers, the download and
// the log. Prints one JSON object for web/transfers_test.go and
// cmd/consign/e2e_test.go to check.
//
// Environment: CONSIGN_URL_A / CONSIGN_USER_A / CONSIGN_PASS_A (the
// sender's node and credential), CONSIGN_FROM (its documentstore
// destination), CONSIGN_URL_B / CONSIGN_USER_B / CONSIGN_PASS_B and
// CONSIGN_TO (the recipient's).
"use strict";
const crypto = require("crypto");
const io = require("socket.io-client");
const axios = require("axios");
const FormData = require("form-data");
const version = require("socket.io-client/package.json").version;

const env = process.env;
const basic = (u, p) => "Basic " + Buffer.from(u + ":" + p).toString("base64");
const sha256 = (buf) => crypto.createHash("sha256").update(buf).digest("hex");
const EVENTS = ["document_sent", "document_received", "transfer_acknowledgement"];

function connect(url, user, pass, transport) {
  const headers = { Authorization: basic(user, pass) };
  const s = io(url, {
    transports: [transport],
    forceNew: true,
    reconnection: false,
    timeout: 10000,
    extraHeaders: headers,
    transportOptions: { polling: { extraHeaders: headers } },
  });
  const got = {};
  const waiters = {};
  for (const ev of EVENTS) {
    s.on(ev, (rec) => {
      (got[ev] = got[ev] || []).push(rec);
      if (waiters[ev]) waiters[ev](rec);
    });
  }
  const ready = new Promise((resolve, reject) => {
    s.on("connect", resolve);
    s.on("connect_error", (e) => reject(new Error("connect_error: " + (e && e.message))));
    s.on("error", (e) => reject(new Error("error: " + JSON.stringify(e))));
  });
  const next = (ev) => new Promise((resolve) => {
    if (got[ev] && got[ev].length) return resolve(got[ev][0]);
    waiters[ev] = resolve;
  });
  return { s, got, ready, next };
}

async function call(config, user, pass) {
  try {
    const res = await axios(Object.assign({ auth: { username: user, password: pass }, maxContentLength: Infinity, maxBodyLength: Infinity }, config));
    return { status: res.status, data: res.data };
  } catch (err) {
    if (err.response) return { status: err.response.status, data: err.response.data };
    throw err;
  }
}

function within(ms, p, what) {
  let timer;
  const expire = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("no " + what + " within " + ms / 1000 + " s")), ms); });
  return Promise.race([p, expire]).finally(() => clearTimeout(timer));
}

(async () => {
  const out = { version };
  const a = connect(env.CONSIGN_URL_A, env.CONSIGN_USER_A, env.CONSIGN_PASS_A, "websocket");
  const b = connect(env.CONSIGN_URL_B, env.CONSIGN_USER_B, env.CONSIGN_PASS_B, "polling");
  try {
    await within(20000, Promise.all([a.ready, b.ready]), "connection");
    const content = crypto.randomBytes(1024 * 1024 + 17);
    out.hash = sha256(content);
    const form = new FormData();
    form.append("document", content, { filename: "report.pdf" });
    const api = (node) => (node === "a" ? env.CONSIGN_URL_A : env.CONSIGN_URL_B) + "/api/v1";
    const asA = (cfg) => call(cfg, env.CONSIGN_USER_A, env.CONSIGN_PASS_A);
    const asB = (cfg) => call(cfg, env.CONSIGN_USER_B, env.CONSIGN_PASS_B);
    out.upload = (await asA({ method: "put", url: api("a") + "/documents/from-node/report.pdf", data: form, headers: form.getHeaders() })).data;
    out.browse = (await asA({ method: "get", url: api("a") + "/documents/from-node/" })).data;
    out.search = (await asA({ method: "get", url: api("a") + "/search?query=report" })).data;
    out.searchByHash = (await asA({ method: "get", url: api("a") + "/search?query=" + out.hash + "&by_hash=true" })).data;
    const bad = await asA({ method: "post", url: api("a") + "/transfers", data: { from: env.CONSIGN_TO, to: env.CONSIGN_FROM, document: "/from-node/report.pdf" } });
    out.badAnswer = { status: bad.status, error: bad.data && bad.data.error };
    const ans = await asA({ method: "post", url: api("a") + "/transfers", data: { from: env.CONSIGN_FROM, to: env.CONSIGN_TO, document: "/from-node/report.pdf" } });
    if (ans.status !== 200) throw new Error("POST /transfers: " + ans.status + " " + JSON.stringify(ans.data));
    out.answer = ans.data;
    out.sent = await within(60000, a.next("document_sent"), "document_sent");
    out.received = await within(60000, b.next("document_received"), "document_received");
    out.ack = await within(60000, a.next("transfer_acknowledgement"), "transfer_acknowledgement");
    const dl = await asB({ method: "get", url: api("b") + "/documents" + out.received.document, responseType: "arraybuffer" });
    out.downloadHash = sha256(Buffer.from(dl.data));
    const log = await asA({ method: "get", url: api("a") + "/transfers" });
    out.log = (log.data.transfers || []).find((t) => t.id === ans.data.transfer_id) || null;
    // Give stray events a moment, then list those the wrong member saw.
    await new Promise((r) => setTimeout(r, 300));
    out.others = [];
    if (a.got.document_received) out.others.push("a:document_received");
    if (b.got.document_sent) out.others.push("b:document_sent");
    if (b.got.transfer_acknowledgement) out.others.push("b:transfer_acknowledgement");
    for (const [name, n] of [["a", a], ["b", b]]) {
      for (const ev of EVENTS) {
        if (n.got[ev] && n.got[ev].length > 1) out.others.push(name + ":" + ev + " x" + n.got[ev].length);
      }
    }
  } catch (e) {
    out.error = String(e && e.stack || e);
  } finally {
    a.s.close();
    b.s.close();
    // Let the closes reach the server before the process ends.
    process.stdout.write(JSON.stringify(out), () => setTimeout(() => process.exit(0), 300));
  }
})();
