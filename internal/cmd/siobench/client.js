// Clients for internal/cmd/siobench: COUNT socket.io-client 4.x websocket
// connections to CONSIGN_URL (namespace /api/v1), Basic auth in
// extraHeaders. Prints "ready" once all are connected, "round R" each
// time every connection received R*ROUND document_sent events, and
// exits when stdin closes.
"use strict";
const io = require("socket.io-client");

const url = process.env.CONSIGN_URL + "/api/v1";
const count = Number(process.env.COUNT);
const round = Number(process.env.ROUND);
const headers = { Authorization: "Basic " + Buffer.from(process.env.CONSIGN_USER + ":" + process.env.CONSIGN_PASS).toString("base64") };
const hits = []; // hits[r]: connections that received r*round events
const say = (s) => process.stdout.write(s + "\n");
const socks = [];

function connect() {
  return new Promise((resolve, reject) => {
    const s = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: 60000, extraHeaders: headers });
    let n = 0;
    s.on("document_sent", () => {
      n++;
      if (n % round === 0) {
        const r = n / round;
        hits[r] = (hits[r] || 0) + 1;
        if (hits[r] === count) say("round " + r);
      }
    });
    s.once("connect", () => resolve(s));
    s.once("connect_error", (e) => reject(new Error("connect_error: " + (e && e.message))));
    let since = 0;
    s.on("connect", () => { since = Date.now(); });
    s.on("disconnect", (reason, details) => {
      if (reason === "io client disconnect") return;
      const d = details && (details.description ? String(details.description.message || details.description) : JSON.stringify(details));
      console.error(`disconnected: ${reason} (${d || "no details"}) after ${Date.now() - since} ms connected, ${socks.length} of ${count} up`);
      process.exit(1);
    });
  });
}

(async () => {
  for (let i = 0; i < count; i += 32) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 32); j++) batch.push(connect());
    socks.push(...(await Promise.all(batch)));
  }
  say("ready");
  process.stdin.resume();
  process.stdin.on("end", () => { for (const s of socks) s.close(); process.exit(0); });
})().catch((e) => { console.error(e.message || e); process.exit(1); });
