// The page was fetched with HTTP Basic auth, so the browser sends the
// same credentials with the token request below. The websocket handshake
// cannot carry them, so each (re)connection presents a fresh single-use
// token in socket.io's auth payload instead.
(function () {
  "use strict";
  const statusEl = document.getElementById("status");
  const eventsEl = document.getElementById("events");
  function setStatus(text, cls) { statusEl.textContent = text; statusEl.className = cls || ""; }
  function show(name, args) {
    const li = document.createElement("li");
    li.dataset.event = name;
    li.textContent = name + " " + JSON.stringify(args);
    eventsEl.appendChild(li);
  }
  const params = new URLSearchParams(location.search);
  const opts = {
    auth: function (cb) {
      fetch("/console/token", { method: "POST", credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) { throw new Error("token request answered " + r.status); }
          return r.json();
        })
        .then(function (j) { cb({ token: j.token }); })
        .catch(function (e) { setStatus("cannot get a socket token: " + e.message, "error"); cb({}); });
    },
  };
  if (params.get("transport")) { opts.transports = [params.get("transport")]; }
  const socket = io(opts);
  socket.on("connect", function () { setStatus("connected (" + socket.io.engine.transport.name + ")", "connected"); });
  socket.on("connect_error", function (e) { setStatus("refused: " + e.message, "error"); });
  socket.on("disconnect", function (reason) { setStatus("disconnected: " + reason, "error"); });
  socket.onAny(function (name) { show(name, Array.prototype.slice.call(arguments, 1)); });
  window.consignSocket = socket;
})();
