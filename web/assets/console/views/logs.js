// Logs: the node's recent events for my member (transfers, sign-ins,
// credentials, failures), newest first, filterable, kept live by the
// socket.io event "log" that the node sends to console connections.
import { h, add, replace, field, alertBox, empty, formatTime } from "../dom.js";
import { API, get } from "../api.js";
import * as live from "../live.js";

const KINDS = ["all", "transfer", "session", "credential", "error"];

export function render(main) {
  const kind = field("Kind", { tag: "select", name: "kind", options: KINDS.map((k) => h("option", { value: k }, k)) });
  const text = field("Filter", { name: "filter", type: "search", placeholder: "text in the message" });
  const out = h("div", {});
  const entries = new Map();
  add(main, h("h1", {}, "Logs"),
    h("p", { class: "muted" }, "What the node recorded for your member since it started: transfers, console sign-ins, credentials issued, revoked and used by programs, and failures. New events appear as they happen."),
    h("form", { class: "toolbar", role: "search", "aria-label": "Filter logs", onsubmit: (e) => e.preventDefault() }, kind.el, text.el), out);

  function draw() {
    const k = kind.input.value;
    const f = text.input.value.toLowerCase();
    const list = [...entries.values()].sort((a, b) => b.id - a.id)
      .filter((e) => (k === "all" || e.kind === k) && (!f || e.message.toLowerCase().includes(f)));
    if (list.length === 0) {
      replace(out, empty(entries.size ? "No event matches the filter: choose kind all and clear the text." : "No events yet: transfers, sign-ins and credential changes show up here as they happen."));
      return;
    }
    replace(out, h("ol", { class: "log", "aria-label": "Events" }, list.map((e) => h("li", { "data-kind": e.kind },
      h("time", { datetime: e.time }, formatTime(e.time)), " ", h("strong", { class: e.kind === "error" ? "error" : "" }, e.kind), " ", e.message))));
  }
  kind.input.addEventListener("change", draw);
  text.input.addEventListener("input", draw);
  const off = live.on("log", (e) => { entries.set(e.id, e); draw(); });
  (async () => {
    replace(out, h("p", { role: "status" }, "Loading the log…"));
    try {
      const res = await get(API + "/logs?limit=1000");
      for (const e of res.events || []) entries.set(e.id, e);
      draw();
    } catch (err) {
      replace(out, alertBox(err));
    }
  })();
  return off;
}
