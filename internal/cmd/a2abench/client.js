// Benchmark client for a2abench: one socket.io-client 4.x connection over
// websocket, as producer or consumer (A2A_ROLE). Every message's content
// starts with its send time (ms since the epoch, sub-millisecond) so the
// consumer can measure latency; the two roles run in separate processes
// on one machine, sharing its clock.
"use strict";
const io = require("socket.io-client");
const { performance } = require("perf_hooks");

const env = process.env;
const N = Number(env.A2A_N), SIZE = Number(env.A2A_SIZE), RATE = Number(env.A2A_RATE), WINDOW = Number(env.A2A_WINDOW);
const now = () => performance.timeOrigin + performance.now();
const say = (s, then) => process.stdout.write(s + "\n", then);

const sock = io(env.A2A_URL, {
  transports: ["websocket"], forceNew: true, reconnection: false,
  extraHeaders: { Authorization: "Basic " + Buffer.from(env.A2A_USER + ":" + env.A2A_PASS).toString("base64") },
});
const fail = (e) => say(JSON.stringify({ error: String(e && e.message || e) }), () => process.exit(1));
sock.on("connect_error", fail);
sock.on("exception", (e) => process.stderr.write("exception: " + e + "\n"));

function content(i) {
  const head = now().toFixed(3) + "|" + i + "|";
  return head + "x".repeat(Math.max(0, SIZE - head.length));
}

if (env.A2A_ROLE === "consume") {
  const lat = [];
  let first = 0, last = 0, warm = false;
  sock.on("connect", () => {
    sock.emit("subscribe", [env.A2A_TO], (err) => { if (err) fail(err); else say("ready"); });
  });
  sock.on("data", (m) => {
    const t = now();
    const c = m.content;
    if (!warm) { warm = true; say("warm"); return; }
    lat.push(t - Number(c.slice(0, c.indexOf("|"))));
    if (lat.length === 1) first = t;
    last = t;
    if (lat.length === N) {
      sock.close();
      say(JSON.stringify({ first, last, count: lat.length, latencies: lat.map((x) => Math.round(x * 1000) / 1000) }), () => process.exit(0));
    }
  });
} else {
  const send = (i, cb) => sock.emit("produce", { headers: { from: env.A2A_FROM, to: env.A2A_TO }, content: content(i) }, "k" + (i % 64), cb);
  sock.on("connect", () => {
    send(-1, (err) => {
      if (err) return fail(err);
      process.stdin.once("data", () => run());
    });
  });
  function run() {
    const start = now();
    let sent = 0, acked = 0, errors = 0;
    const done = () => {
      say(JSON.stringify({ start, count: acked, errors }), () => setTimeout(() => process.exit(0), 100));
    };
    const onAck = (err) => {
      if (err) { errors++; process.stderr.write("produce: " + err + "\n"); }
      acked++;
      if (acked === N) done();
      else if (env.A2A_MODE === "throughput") pump();
    };
    if (env.A2A_MODE === "throughput") {
      var pump = () => { while (sent < N && sent - acked < WINDOW) send(sent++, onAck); };
      pump();
    } else {
      // Fixed rate: every 5 ms, send what is due by now.
      const tick = setInterval(() => {
        const due = Math.min(N, Math.floor(((now() - start) / 1000) * RATE));
        while (sent < due) send(sent++, onAck);
        if (sent >= N) clearInterval(tick);
      }, 5);
    }
  }
}
