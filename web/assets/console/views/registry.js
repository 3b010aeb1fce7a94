// Registry: organizations with their identity proofs and destination
// certificates, and a pin lookup by hash.
import { h, add, replace, field, copyable, alertBox, empty, formatTime } from "../dom.js";
import { API, get } from "../api.js";
import { identityVerdict } from "./addressbook.js";

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
  add(main, h("h1", {}, "Registry"), h("p", { class: "muted" }, "What the environment's on-chain registry says: members, their identity proofs, their destinations' certificates, and hash pins (transfer receipts)."),
    h("h2", {}, "Pins"), pinForm, pinOut, h("h2", {}, "Members"), out);

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
        h("p", {}, "Identity proof chain:"),
        h("ol", { class: "chain" }, h("li", {}, "Leaf: ", h("code", {}, id.leaf_subject || "—"), id.self_signed ? " (self-signed)" : ""),
          (id.issuer_chain || []).map((s) => h("li", {}, "Issuer: ", h("code", {}, s)))),
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
  return null;
}
