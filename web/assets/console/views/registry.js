// Registry: organizations with their identity proofs and destination
// certificates, the recent pins of my transfers' receipts, and a pin
// lookup by hash.
import { h, add, replace, field, copyable, alertBox, empty, formatTime } from "../dom.js";
import { API, get } from "../api.js";
import * as live from "../live.js";
import { identityVerdict } from "./addressbook.js";

// RECENT is how many of my latest received transfers the Recent pins
// table looks up.
const RECENT = 10;

export function render(main, params, ctx) {
  const out = h("div", { class: "listing" });
  const pinOut = h("div", { class: "messages", "aria-live": "polite" });
  const hash = field("Hash (SHA-256 hex)", { name: "hash", required: true, pattern: "[0-9a-fA-F]{64}", title: "64 hexadecimal digits" });
  const pinForm = h("form", { class: "toolbar", "aria-label": "Look up a pin" }, hash.el, h("button", { type: "submit" }, "Look up pin"));
  pinForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const p = await get(API + "/pins/" + hash.input.value.trim().toLowerCase());
      replace(pinOut, h("dl", { class: "notice" }, h("dt", {}, "Pinned at"), h("dd", {}, formatTime(p.timestamp) + ", block " + p.block),
        h("dt", {}, "Transaction"), h("dd", {}, copyable(p.tx, "transaction")), h("dt", {}, "By"), h("dd", {}, copyable(p.by, "pinning address"))));
    } catch (err) {
      replace(pinOut, err.status === 404 ? h("p", { role: "status" }, "This hash is not pinned on the chain.") : alertBox(err));
    }
  });
  const recent = h("div", { class: "listing" });
  add(main, h("h1", {}, "Registry"), h("p", { class: "muted" }, "What the environment's on-chain registry says: members, their identity proofs, their destinations' certificates, and hash pins (transfer receipts)."),
    h("h2", {}, "Recent pins"), h("p", { class: "muted" }, "The receipts of my latest completed transfers, sent or received, each pinned on the chain by its transfer hash."),
    recent, h("h2", {}, "Look up a pin"), pinForm, pinOut, h("h2", {}, "Members"), out);

  // Recent pins: my latest received transfers, newest first, each with
  // the pin of its transfer hash.
  let generation = 0;
  async function loadPins() {
    const gen = ++generation;
    let res;
    try { res = await get(API + "/transfers"); } catch (err) { replace(recent, alertBox(err)); return; }
    const done = (res.transfers || []).filter((t) => t.status === "received" && t.transferHash)
      .sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0)).slice(0, RECENT);
    if (done.length === 0) {
      replace(recent, empty("No pins yet. A transfer's receipt is pinned once its recipient acknowledges it: send a document from Documents with Transfer."));
      return;
    }
    const pins = await Promise.all(done.map((t) => get(API + "/pins/" + t.transferHash).then((p) => ({ p }), (err) => ({ err }))));
    if (gen !== generation) return; // a newer load is on its way
    replace(recent, h("table", { "aria-label": "Recent pins" },
      h("thead", {}, h("tr", {}, ["Document", "Transfer hash", "Pinned", "Block", "Transaction", "By"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, done.map((t, i) => {
        const { p, err } = pins[i];
        const doc = h("th", { scope: "row" }, t.document);
        if (err) {
          return h("tr", { "data-id": t.id }, doc, h("td", {}, copyable(t.transferHash, "transfer hash of " + t.document)),
            h("td", { colspan: 4 }, err.status === 404 ? h("span", { class: "muted" }, "not pinned yet") : h("span", { class: "error" }, err.message)));
        }
        return h("tr", { "data-id": t.id }, doc, h("td", {}, copyable(t.transferHash, "transfer hash of " + t.document)),
          h("td", {}, formatTime(p.timestamp)), h("td", {}, String(p.block)),
          h("td", {}, copyable(p.tx, "pin transaction of " + t.document)), h("td", {}, copyable(p.by, "pinning address of " + t.document)));
      }))));
  }
  replace(recent, h("p", { role: "status", class: "muted" }, "Reading the recent pins…"));
  loadPins();
  const offs = ["document_received", "transfer_acknowledgement"].map((ev) => live.on(ev, () => loadPins()));

  (async () => {
    replace(out, h("p", { role: "status" }, "Reading the registry…"));
    let members;
    try { members = await get(API + "/registry/members"); } catch (err) { replace(out, alertBox(err)); return; }
    if (!members || members.length === 0) { replace(out, empty("The registry has no members yet.")); return; }
    replace(out, members.map((m) => {
      const v = identityVerdict(m.identity, ctx.session.environment);
      const id = m.identity || {};
      return h("section", { class: "card", "aria-label": "Member " + m.name },
        h("h3", {}, m.name), h("p", {}, "Owner ", copyable(m.address, "owner address of " + m.name)),
        h("p", { class: v.level === "ok" ? "ok" : "warning" }, v.text),
        h("p", {}, "Identity proof chain:"), chain(m.name, id),
        (m.destinations || []).length ? h("ul", { "aria-label": "Destinations of " + m.name }, m.destinations.map((d) => {
          const li = h("li", {}, d.name, " ", copyable(d.uri, "URI of " + d.name), " ");
          li.append(h("button", { type: "button", "aria-label": "Show certificate of " + d.name, onclick: async (e) => {
            e.target.disabled = true;
            try {
              const r = await get(API + "/registry/destinations?" + new URLSearchParams({ uri: d.uri }));
              li.append(h("p", {}, r.managed ? "managed by its node" : "externally managed"), h("pre", {}, r.certificate));
            } catch (err) { li.append(alertBox(err)); }
          } }, "Show certificate"));
          return li;
        })) : empty("No destinations published."));
    }));
  })();
  return () => offs.forEach((f) => f());
}

// chain lists the certificates of a member's identity proof, leaf first,
// each with its subject, issuer and validity (flagged when expired or
// not valid yet); a node that sends only the subjects gets them listed.
function chain(name, id) {
  const label = "Identity proof chain of " + name;
  const certs = id.certificates || [];
  if (certs.length === 0) {
    return h("ol", { class: "chain", "aria-label": label },
      h("li", {}, "Leaf: ", h("code", {}, id.leaf_subject || "—"), id.self_signed ? " (self-signed)" : ""),
      (id.issuer_chain || []).map((s) => h("li", {}, "Issuer: ", h("code", {}, s))));
  }
  const now = Date.now();
  return h("ol", { class: "chain", "aria-label": label }, certs.map((c, i) => {
    const from = Date.parse(c.not_before);
    const until = Date.parse(c.not_after);
    let verdict = null;
    if (now > until) verdict = h("strong", { class: "warning" }, " Expired.");
    else if (now < from) verdict = h("strong", { class: "warning" }, " Not valid yet.");
    return h("li", {}, i === 0 ? "Leaf: " : "Issuer: ", h("code", {}, c.subject),
      c.subject === c.issuer ? " (self-signed)" : h("span", {}, ", issued by ", h("code", {}, c.issuer)),
      h("br", {}), h("span", { class: "muted" }, "Valid from " + formatTime(c.not_before) + " until " + formatTime(c.not_after) + "."), verdict);
  }));
}
