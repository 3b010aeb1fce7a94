// Address book: every member of the environment with its destinations,
// and what the registry shows of its identity proof.
import { h, add, replace, copyable, alertBox, empty } from "../dom.js";
import { API, get } from "../api.js";

// dnValue returns attribute attr (CN, O) of a DN string such as
// "CN=env-nonce--Acme Corp,O=Acme Corp", or "".
function dnValue(dn, attr) {
  const re = new RegExp("(?:^|[,/+]\\s*)" + attr + "=((?:\\\\.|[^,/+])+)");
  const m = re.exec(dn || "");
  return m ? m[1].replace(/\\(.)/g, "$1").trim() : "";
}

// claim splits an identity leaf CN "<envId>-<nonce>--<Org Name>"; with
// environment given, the CN must start with it.
export function claim(leafSubject, environment) {
  const cn = dnValue(leafSubject, "CN");
  const dash = environment && cn.startsWith(environment + "-") ? environment.length : cn.indexOf("-");
  const sep = cn.indexOf("--", dash + 1);
  if (dash <= 0 || sep < 0 || sep === dash + 1) return { cn, environment: "", nonce: "", organization: dnValue(leafSubject, "O") };
  return { cn, environment: cn.slice(0, dash), nonce: cn.slice(dash + 1, sep), organization: cn.slice(sep + 2).trim() };
}

// organization is the organization a member's identity proof claims.
export function organization(leafSubject) {
  return claim(leafSubject).organization;
}

// identityVerdict judges what the registry shows of an identity proof
// (the registry checked signatures, validity, environment and nonce when
// the member registered): whether the CN carries this environment and a
// nonce, and whether the claimed organization is named by an issuer. A
// certificate authority of another name vouching for the claim (one
// company claimed, another issued) is a warning, as is a self-signed
// proof. level is "ok" or "warning".
export function identityVerdict(id, environment) {
  if (!id || !id.leaf_subject) return { level: "warning", text: "The registry shows no identity proof for this member." };
  const c = claim(id.leaf_subject, environment);
  const org = c.organization || "an unnamed organization";
  if (!c.nonce || (environment && c.environment !== environment)) {
    return { level: "warning", text: "The proof's CN " + JSON.stringify(c.cn) + " does not carry this environment (" + (environment || "?") + ") and a nonce as <envId>-<nonce>--<Org Name>." };
  }
  if (id.self_signed) {
    return { level: "warning", text: "Self-signed identity proof: no certificate authority vouches that this member is " + org + " (environment and nonce in the CN are right)." };
  }
  const chain = id.issuer_chain || [];
  if (chain.length === 0) return { level: "warning", text: "The proof names no issuer: the claim to be " + org + " cannot be traced to a certificate authority." };
  const low = org.toLowerCase();
  if (!chain.some((dn) => dn.toLowerCase().includes(low))) {
    return { level: "warning", text: "Claims to be " + org + " but was issued by " + chain[0] + ", a certificate authority of another name: check this member before trusting the claim." };
  }
  return { level: "ok", text: org + ", issued by " + chain[0] + "; chain valid, environment " + c.environment + " and nonce " + c.nonce + " in the CN." };
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
      const v = m ? identityVerdict(m.identity, ctx.session.environment) : null;
      const id = "member-" + name;
      return h("section", { class: "card", "aria-labelledby": id },
        h("h2", { id }, name, name === ctx.session.member ? " (you)" : ""),
        m ? h("p", {}, "Organization claimed: ", h("strong", {}, organization(m.identity && m.identity.leaf_subject) || "not stated"), " · owner ", copyable(m.address, "owner address of " + name)) : null,
        v ? h("p", { class: v.level === "ok" ? "ok" : "warning", role: v.level === "ok" ? null : "note", "aria-label": (v.level === "ok" ? "Identity verified: " : "Identity warning: ") + name }, v.level === "ok" ? "✓ " : "⚠ Warning: ", v.text) : null,
        (e.destinations || []).length === 0 ? empty("This member publishes no destination yet.") :
          h("table", { "aria-label": "Destinations of " + name },
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "URI"))),
            h("tbody", {}, e.destinations.map((d) => h("tr", {}, h("th", { scope: "row" }, d.name), h("td", {}, copyable(d.uri, "URI of " + d.name)))))));
    }));
  })();
  return null;
}
