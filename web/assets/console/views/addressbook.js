// Address book: every member of the environment with its destinations,
// and what the registry shows of its identity proof.
import { h, add, replace, copyable, alertBox, empty } from "../dom.js";
import { API, get } from "../api.js";

// organization returns the O= of a DN string, or "".
export function organization(dn) {
  const m = /(?:^|[,/]\s*)O=((?:\\.|[^,/])+)/.exec(dn || "");
  return m ? m[1].replace(/\\(.)/g, "$1").trim() : "";
}

export function identityVerdict(id) {
  if (!id) return { level: "warning", text: "The registry shows no identity proof for this member." };
  if (id.self_signed) {
    return { level: "warning", text: "Self-signed identity proof: no certificate authority vouches for the organization " + (organization(id.leaf_subject) || "it claims") + "." };
  }
  const chain = id.issuer_chain || [];
  if (chain.length === 0) return { level: "warning", text: "The proof names no issuer: it cannot be traced to a certificate authority." };
  return { level: "ok", text: "Issued by " + chain[0] + (chain.length > 1 ? " (chain of " + (chain.length + 1) + " certificates)" : "") + "; the registry validated the chain, environment and nonce at registration." };
}

export function render(main, params, ctx) {
  const out = h("div", { class: "listing" });
  add(main, h("h1", {}, "Address book"), h("p", { class: "muted" }, "Every member of this environment, read from the on-chain registry, with the destinations you can send to."), out);
  (async () => {
    replace(out, h("p", { role: "status" }, "Loading the address book…"));
    let book;
    let members = [];
    try {
      book = await get(API + "/addressbook");
    } catch (err) {
      replace(out, alertBox(err));
      return;
    }
    let regErr = null;
    try { members = await get(API + "/registry/members"); } catch (err) { regErr = err; }
    if (!book || book.length === 0) {
      replace(out, empty("No member has registered yet: members appear here once they join the environment's registry."));
      return;
    }
    const byName = new Map((members || []).map((m) => [m.name, m]));
    replace(out, regErr ? alertBox("Identity proofs unavailable: " + regErr.message) : null, book.map((e) => {
      const name = e.membership.replace(/^\//, "");
      const m = byName.get(name);
      const v = m ? identityVerdict(m.identity) : null;
      const id = "member-" + name;
      return h("section", { class: "card", "aria-labelledby": id },
        h("h2", { id }, name, name === ctx.session.member ? " (you)" : ""),
        m ? h("p", {}, "Organization claimed: ", h("strong", {}, organization(m.identity && m.identity.leaf_subject) || "not stated"), " · owner ", copyable(m.address, "owner address of " + name)) : null,
        v ? h("p", { class: v.level === "ok" ? "ok" : "warning", role: v.level === "ok" ? null : "note" }, v.level === "ok" ? "✓ " : "⚠ Warning: ", v.text) : null,
        (e.destinations || []).length === 0 ? empty("This member publishes no destination yet.") :
          h("table", { "aria-label": "Destinations of " + name },
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "URI"))),
            h("tbody", {}, e.destinations.map((d) => h("tr", {}, h("th", { scope: "row" }, d.name), h("td", {}, copyable(d.uri, "URI of " + d.name)))))));
    }));
  })();
  return null;
}
