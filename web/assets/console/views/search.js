// Search: documents by name or by SHA-256 hash, linking to their folder.
import { h, add, replace, field, formatBytes, formatTime, copyable, alertBox, empty } from "../dom.js";
import { API, get, encodePath } from "../api.js";

export function render(main, params, ctx) {
  const q = field("Search for", { name: "query", type: "search", required: true, value: params.get("query") || "" });
  const byHash = h("input", { type: "checkbox", id: "by-hash", name: "by_hash", checked: params.get("by_hash") === "true" });
  const out = h("div", { class: "listing", "aria-live": "polite" });
  const form = h("form", { role: "search", "aria-label": "Search documents", class: "toolbar" }, q.el,
    h("div", { class: "field check" }, byHash, h("label", { for: "by-hash" }, "By hash (SHA-256 hex)")),
    h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    ctx.go("search", { query: q.input.value.trim(), by_hash: byHash.checked ? "true" : "false" });
  });
  add(main, h("h1", {}, "Search"), h("p", { class: "muted" }, "Find documents by a part of their name, or by the exact SHA-256 hash of their content."), form, out);
  const query = params.get("query");
  if (!query) {
    out.append(empty("Type a name (or a hash with By hash checked) and press Search."));
    return null;
  }
  (async () => {
    replace(out, h("p", { role: "status" }, "Searching…"));
    try {
      const res = await get(API + "/search?" + new URLSearchParams({ query, by_hash: params.get("by_hash") === "true" ? "true" : "false" }));
      const docs = res.documents || [];
      if (docs.length === 0) {
        replace(out, empty("No document matches " + JSON.stringify(query) + ". Check the spelling, or search by hash with the full 64-digit hash."));
        return;
      }
      replace(out, h("table", { "aria-label": "Search results" },
        h("thead", {}, h("tr", {}, ["Document", "Size", "Modified", "Hash", ""].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, docs.map((d) => {
          const full = d.full_path.startsWith("/") ? d.full_path : "/" + d.full_path;
          const folder = full.replace(/\/[^/]*$/, "") || "/";
          return h("tr", {}, h("th", { scope: "row" }, h("a", { href: "#/documents?" + new URLSearchParams({ path: folder }) }, full)),
            h("td", {}, formatBytes(d.size)), h("td", {}, formatTime(d.last_modified)), h("td", {}, copyable(d.hash, "hash of " + full)),
            h("td", {}, h("a", { href: API + "/documents" + encodePath(full), download: "", "aria-label": "Download " + full }, "Download")));
        }))), docs.length === 100 ? h("p", { class: "muted" }, "Showing the first 100 matches: refine the query to see others.") : null);
    } catch (err) {
      replace(out, alertBox(err));
    }
  })();
  return null;
}
