// The console's socket.io connection to the namespace /api/v1. A
// websocket handshake cannot carry the session cookie's CSRF proof, so
// each (re)connection presents a fresh single-use token from
// POST /console/token in socket.io's auth payload.
import { request } from "./api.js";

const listeners = new Map();
let socket = null;
let state = "connecting";
const stateListeners = new Set();

function setState(s) {
  state = s;
  for (const f of stateListeners) f(s);
}

export function onState(f) { stateListeners.add(f); f(state); return () => stateListeners.delete(f); }

function auth(cb) {
  request("POST", "/console/token")
    .then((j) => cb({ token: j.token }))
    .catch((e) => { setState("cannot get a socket token: " + e.message); cb({}); });
}

// connect opens a socket to /api/v1 (query: extra URL query, e.g.
// "auto_commit=false"). The default connection is shared; pass
// query to get a connection of one's own.
export function connect(query, shared) {
  /* global io */
  return io("/api/v1" + (query ? "?" + query : ""), { auth, forceNew: !shared });
}

export function start() {
  if (socket) return socket;
  socket = connect("console=1", true); // console=1: the node also sends its "log" events
  socket.on("connect", () => setState("connected"));
  socket.on("connect_error", (e) => setState("refused: " + (e.data && e.data.error ? e.data.error : e.message)));
  socket.on("disconnect", (reason) => setState("disconnected: " + reason));
  socket.onAny((name, ...args) => {
    for (const f of listeners.get(name) || []) f(...args);
    for (const f of listeners.get("*") || []) f(name, ...args);
  });
  window.consignSocket = socket;
  return socket;
}

export function stop() {
  if (socket) socket.disconnect();
  socket = null;
  setState("disconnected");
}

// on registers f for event name ("*" for every event); returns a function
// that removes it.
export function on(name, f) {
  if (!listeners.has(name)) listeners.set(name, new Set());
  listeners.get(name).add(f);
  return () => listeners.get(name).delete(f);
}
