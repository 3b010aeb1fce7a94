// Transfers: the member's transfer log, newest first, kept live by the
// socket.io events document_sent, document_received and
// transfer_acknowledgement; filter by status and destination. Each of the
// first PIN_ROWS rows with a transfer hash shows its pin (block and
// transaction) once the chain has it.
import { h, add, replace, field, formatTime, copyable, alertBox, empty } from "../dom.js";
import { API, get } from "../api.js";
import * as live from "../live.js";

// PIN_ROWS is how many rows, from the top, look up their pin unasked.
const PIN_ROWS = 50;

export function render(main) {
  const records = new Map();
  // pins: transfer hash → {p} (pinned), {none: true}, {err}, or {busy: true}.
  const pins = new Map();
  const out = h("div", { class: "listing" });
  const statusSel = field("Status", { tag: "select", name: "status", options: ["all", "sent", "received", "failed"].map((s) => h("option", { value: s }, s)) });
  const destSel = field("Destination", { tag: "select", name: "destination", options: [h("option", { value: "" }, "any")] });
  statusSel.input.addEventListener("change", draw);
  destSel.input.addEventListener("change", draw);
  const filters = h("form", { class: "toolbar", "aria-label": "Filter transfers", onsubmit: (e) => e.preventDefault() }, statusSel.el, destSel.el);
  add(main, h("h1", {}, "Transfers"), h("p", { class: "muted" }, "Documents you sent and received. The list updates live: a sent document turns received once the recipient's signed receipt arrives."), filters, out);

  function upsert(r) {
    const id = r.id || r.transferId;
    if (!id) return;
    const prev = records.get(id) || {};
    records.set(id, Object.assign({}, prev, r, { id }));
    // A record that changed may have been pinned meanwhile: ask again.
    const known = pins.get(r.transferHash);
    if (known && (known.none || known.err)) pins.delete(r.transferHash);
  }

  function destinations() {
    const seen = new Set();
    for (const r of records.values()) { seen.add(r.from); seen.add(r.to); }
    const cur = destSel.input.value;
    replace(destSel.input, h("option", { value: "" }, "any"), [...seen].filter(Boolean).sort().map((u) => h("option", { value: u }, u)));
    destSel.input.value = seen.has(cur) ? cur : "";
  }

  function draw() {
    const st = statusSel.input.value;
    const dest = destSel.input.value;
    const list = [...records.values()]
      .filter((r) => st === "all" || r.status === st)
      .filter((r) => !dest || r.from === dest || r.to === dest)
      .sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
    if (records.size === 0) {
      replace(out, empty("No transfers yet. Open Documents and use Transfer on a document to send it to a member of the address book."));
      return;
    }
    if (list.length === 0) {
      replace(out, empty("No transfer matches this filter. Choose status all and destination any to see every transfer."));
      return;
    }
    replace(out, h("table", { "aria-label": "Transfer log" },
      h("thead", {}, h("tr", {}, ["Time", "Document", "Status", "From", "To", "Hash", "Transfer hash", "Sender signature", "Recipient signature", "Pin"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, list.map((r, i) => row(r, i < PIN_ROWS)))));
  }

  function row(r, auto) {
    const pin = h("td", {});
    if (r.transferHash) {
      const known = pins.get(r.transferHash);
      if (known && known.p) {
        pin.append(h("span", {}, "block " + known.p.block + " · "), copyable(known.p.tx, "pin transaction"));
      } else if (known && known.busy) {
        pin.append(h("span", { class: "muted" }, "looking up…"));
      } else {
        if (known && known.none) pin.append(h("span", { class: "muted" }, "not pinned (yet) "));
        if (known && known.err) pin.append(h("span", { class: "error" }, known.err.message + " "));
        pin.append(h("button", { type: "button", "aria-label": "Look up the pin of transfer " + r.id, onclick: () => lookupPin(r.transferHash) }, "Look up pin"));
        if (!known && auto) lookupPin(r.transferHash);
      }
    }
    return h("tr", { "data-id": r.id, "data-status": r.status },
      h("td", {}, formatTime(r.timestamp)),
      h("th", { scope: "row" }, r.document),
      h("td", {}, h("span", { class: "badge " + r.status }, r.status), r.error ? h("p", { class: "error" }, "Failed: " + r.error) : null),
      h("td", {}, copyable(r.from, "sender destination")),
      h("td", {}, copyable(r.to, "recipient destination")),
      h("td", {}, copyable(r.hash, "document hash")),
      h("td", {}, copyable(r.transferHash, "transfer hash")),
      h("td", {}, copyable(r.senderSignature, "sender signature")),
      h("td", {}, copyable(r.recipientSignature, "recipient signature")),
      pin);
  }

  // lookupPin asks the chain for the pin of hash and redraws.
  let redraw = 0;
  async function lookupPin(hash) {
    if (pins.get(hash) && pins.get(hash).busy) return;
    pins.set(hash, { busy: true });
    try {
      pins.set(hash, { p: await get(API + "/pins/" + hash) });
    } catch (err) {
      pins.set(hash, err.status === 404 ? { none: true } : { err });
    }
    // One redraw for the lookups that finish together.
    if (!redraw) redraw = setTimeout(() => { redraw = 0; draw(); }, 0);
  }

  const offs = ["document_sent", "document_received", "transfer_acknowledgement"].map((ev) => live.on(ev, (r) => {
    upsert(r);
    destinations();
    draw();
  }));

  (async () => {
    replace(out, h("p", { role: "status", class: "muted" }, "Loading the transfer log…"));
    try {
      const res = await get(API + "/transfers");
      for (const r of res.transfers || []) {
        if (!records.has(r.id)) upsert(r); // a live event may already be newer
      }
      destinations();
      draw();
    } catch (err) {
      replace(out, alertBox(err));
    }
  })();
  return () => offs.forEach((f) => f());
}
