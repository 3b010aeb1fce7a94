// Logs: the events the node sends to this member's console while it is
// open (transfers, delivery reports, exceptions, connection changes),
// filterable, newest first.
import { h, add, replace, field, empty } from "../dom.js";
import * as live from "../live.js";

const kept = [];
const MAX = 500;
let started = false;

export function startRecording() {
  if (started) return;
  started = true;
  live.on("*", (name, ...args) => {
    kept.unshift({ at: new Date(), name, text: JSON.stringify(args) });
    if (kept.length > MAX) kept.pop();
  });
  live.onState((s) => { kept.unshift({ at: new Date(), name: "connection", text: s }); });
}

export function render(main) {
  startRecording();
  const filter = field("Filter", { name: "filter", type: "search", placeholder: "event name or text" });
  const out = h("div", {});
  add(main, h("h1", {}, "Logs"),
    h("p", { class: "muted" }, "Events the node sent to this console since you signed in, newest first, updating live."),
    h("form", { class: "toolbar", role: "search", "aria-label": "Filter logs", onsubmit: (e) => e.preventDefault() }, filter.el), out);
  function draw() {
    const f = filter.input.value.toLowerCase();
    const list = kept.filter((e) => !f || e.name.toLowerCase().includes(f) || e.text.toLowerCase().includes(f));
    if (list.length === 0) {
      replace(out, empty(kept.length ? "No event matches the filter." : "No events yet: transfers and messages show up here as they happen."));
      return;
    }
    replace(out, h("ol", { class: "log", "aria-label": "Events" }, list.map((e) => h("li", { "data-event": e.name }, h("time", { datetime: e.at.toISOString() }, e.at.toLocaleTimeString()), " ", h("strong", {}, e.name), " ", h("code", {}, e.text)))));
  }
  filter.input.addEventListener("input", draw);
  const off = live.on("*", () => draw());
  draw();
  return off;
}
