// Documents: a folder tree beside the listing of a folder (paged),
// upload by picker or drop with a progress bar per file, create an empty
// folder, download, inspect, delete, and transfer a document to another
// member's destination.
import { h, add, replace, field, formatBytes, formatTime, copyable, alertBox, status, empty, openDialog, confirmDialog } from "../dom.js";
import { API, get, del, post, upload, encodePath, request } from "../api.js";
import * as live from "../live.js";
import { folderTree } from "./foldertree.js";

const PAGE = 50;

function join(dir, name) { return (dir === "/" ? "" : dir) + "/" + name; }
function docURL(p) { return p === "/" ? API + "/documents" : API + "/documents" + encodePath(p); }

export function render(main, params, ctx) {
  const dir = normalise(params.get("path") || "/");
  const offset = Math.max(0, parseInt(params.get("offset") || "0", 10) || 0);
  const list = h("div", { class: "listing" });
  const messages = h("div", { class: "messages", "aria-live": "polite" });
  const uploads = h("ul", { class: "uploads", "aria-label": "Uploads" });

  const crumbs = h("nav", { "aria-label": "Folder path", class: "crumbs" });
  const parts = dir.split("/").filter(Boolean);
  const crumbLinks = [h("a", { href: "#/documents?path=/" }, "All documents")];
  parts.forEach((p, i) => {
    const to = "/" + parts.slice(0, i + 1).join("/");
    crumbLinks.push(" / ", i === parts.length - 1 ? h("span", { "aria-current": "page" }, p) : h("a", { href: "#/documents?" + new URLSearchParams({ path: to }) }, p));
  });
  crumbs.append(...crumbLinks);

  // Upload: picker and drop zone.
  const picker = h("input", { type: "file", multiple: true, id: "upload-files", class: "visually-hidden-input" });
  picker.addEventListener("change", () => { startUploads([...picker.files]); picker.value = ""; });
  const drop = h("div", { class: "dropzone", role: "region", "aria-label": "Drop files here to upload" },
    h("p", {}, "Drop files here to upload them to ", h("strong", {}, dir), ", or "),
    h("label", { for: "upload-files", class: "button" }, "Choose files to upload"), picker);
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const files = e.dataTransfer && e.dataTransfer.files ? [...e.dataTransfer.files] : [];
    if (files.length === 0) replace(messages, alertBox("Nothing to upload: drop files (folders are not uploaded)."));
    startUploads(files);
  });

  let pending = 0;
  function startUploads(files) {
    for (const f of files) {
      const bar = h("progress", { max: 100, value: 0, "aria-label": "Upload of " + f.name });
      const info = h("span", { class: "muted" }, "starting…");
      const li = h("li", {}, h("span", { class: "name" }, f.name), " ", h("span", {}, formatBytes(f.size)), bar, info);
      uploads.append(li);
      const t0 = performance.now();
      pending += 1;
      const up = upload(docURL(join(dir, f.name)), f, (sent, total) => {
        const pct = total ? Math.floor((sent / total) * 100) : 100;
        bar.value = pct;
        const secs = (performance.now() - t0) / 1000;
        info.textContent = pct + "% · " + (secs > 0 ? formatBytes(Math.round(sent / secs)) + "/s" : "");
      });
      const cancel = h("button", { type: "button", "aria-label": "Cancel upload of " + f.name, onclick: () => up.abort() }, "Cancel");
      li.append(cancel);
      up.promise.then((res) => {
        bar.value = 100;
        info.textContent = "uploaded · 100%";
        li.dataset.done = "true";
        li.append(" ", copyable(res.hash || "", "hash of " + f.name));
      }).catch((err) => {
        li.dataset.done = "failed";
        info.replaceWith(alertBox("Upload of " + f.name + " failed: " + err.message));
      }).finally(() => {
        cancel.remove();
        pending -= 1;
        if (pending === 0) load();
      });
    }
  }

  const folderName = field("New folder name", { name: "folder", required: true, title: "a name without /" });
  const folderForm = h("form", { class: "inline", "aria-label": "Create folder" }, folderName.el, h("button", { type: "submit" }, "Create folder"));
  folderForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = folderName.input.value.trim();
    if (!name || name.includes("/") || name === "." || name === "..") {
      replace(messages, alertBox("A folder name is one path segment: no '/', not '.' or '..'."));
      return;
    }
    const p = join(dir, name);
    try {
      // A POST to the folder's path, ending in a slash, with no body.
      await request("POST", docURL(p) + "/");
    } catch (err) {
      replace(messages, alertBox("Cannot create the folder " + p + ": " + err.message));
      return;
    }
    ctx.go("documents", { path: p, created: "1" });
  });

  const tree = folderTree(dir, (p) => ctx.go("documents", { path: p }));
  add(main, h("h1", {}, "Documents"), crumbs, messages,
    params.get("created") ? status("Created the folder " + dir + ". It is empty: upload files into it.") : null,
    h("div", { class: "documents" }, tree.el,
      h("div", { class: "folder" }, h("div", { class: "toolbar" }, folderForm), drop, uploads, list)));

  async function load() {
    replace(list, h("p", { role: "status", class: "muted" }, "Loading " + dir + "…"));
    let res;
    try {
      res = await get(docURL(dir) + "?" + new URLSearchParams({ offset, limit: PAGE }));
    } catch (err) {
      if (err.status === 404 && dir !== "/") {
        replace(list, empty("There is no folder " + dir + ". Upload files above to create it with them, or go back to All documents."));
      } else {
        replace(list, alertBox(err));
      }
      return;
    }
    const entries = res.entries || [];
    if (entries.length === 0 && offset === 0) {
      replace(list, empty(dir === "/" ? "No documents yet. Upload files above, or create a folder." : "The folder " + dir + " is empty. Upload files above, or delete it from its parent folder."));
      return;
    }
    const rows = entries.map((e) => row(e));
    const pager = h("nav", { "aria-label": "Pages", class: "pager" },
      offset > 0 ? h("a", { href: "#/documents?" + new URLSearchParams({ path: dir, offset: Math.max(0, offset - PAGE) }) }, "Previous page") : null,
      h("span", {}, "Entries " + (offset + 1) + "–" + (offset + entries.length)),
      res.is_truncated ? h("a", { href: "#/documents?" + new URLSearchParams({ path: dir, offset: offset + PAGE }) }, "Next page") : null);
    replace(list, h("table", { "aria-label": "Contents of " + dir },
      h("thead", {}, h("tr", {}, ["Name", "Size", "Modified", "Hash", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows)), pager);
  }

  function row(e) {
    const p = join(dir, e.name);
    if (e.is_directory) {
      return h("tr", {}, h("th", { scope: "row" }, h("a", { href: "#/documents?" + new URLSearchParams({ path: p }) }, e.name + "/")),
        h("td", {}, "folder"), h("td", {}, ""), h("td", {}, ""),
        h("td", { class: "actions" }, h("button", { type: "button", "aria-label": "Delete folder " + e.name, class: "danger", onclick: () => remove(p, e.name, true) }, "Delete")));
    }
    return h("tr", {}, h("th", { scope: "row" }, e.name),
      h("td", {}, formatBytes(e.size)), h("td", {}, formatTime(e.last_modified)),
      h("td", {}, copyable(e.hash, "hash of " + e.name)),
      h("td", { class: "actions" },
        h("a", { href: docURL(p), download: e.name, "aria-label": "Download " + e.name }, "Download"),
        h("button", { type: "button", "aria-label": "Details of " + e.name, onclick: () => details(p) }, "Details"),
        h("button", { type: "button", "aria-label": "Transfer " + e.name, onclick: () => transferDialog(p, ctx) }, "Transfer"),
        h("button", { type: "button", class: "danger", "aria-label": "Delete " + e.name, onclick: () => remove(p, e.name, false) }, "Delete")));
  }

  async function details(p) {
    const body = h("div", {}, h("p", { role: "status" }, "Loading…"));
    openDialog("Details of " + p, (close) => h("div", {}, body, h("div", { class: "actions" }, h("button", { type: "button", onclick: close }, "Close"))));
    try {
      const d = await get(docURL(p) + "?details_only=true");
      replace(body, h("dl", {},
        h("dt", {}, "Path"), h("dd", {}, p),
        h("dt", {}, "Size"), h("dd", {}, formatBytes(d.size) + " (" + d.size + " bytes)"),
        h("dt", {}, "Last modified"), h("dd", {}, formatTime(d.last_modified)),
        h("dt", {}, "SHA-256"), h("dd", {}, copyable(d.hash, "hash"))));
    } catch (err) {
      replace(body, alertBox(err));
    }
  }

  async function remove(p, name, folder) {
    const ok = await confirmDialog("Delete " + name + "?", folder
      ? "The folder " + p + " will be deleted. Only an empty folder can be: delete the documents in it first."
      : "The document " + p + " will be deleted. This cannot be undone.", "Delete");
    if (!ok) return;
    try {
      await del(docURL(p));
      replace(messages, status("Deleted " + p + "."));
      load();
      if (folder) tree.reload();
    } catch (err) {
      replace(messages, alertBox("Cannot delete " + p + ": " + err.message));
    }
  }

  load();
  const off = live.on("document_received", () => { load(); tree.reload(); });
  return off;
}

function normalise(p) {
  const s = "/" + p.split("/").filter(Boolean).join("/");
  return s;
}

// transferDialog sends document p from one of my documentstore
// destinations to a destination of the address book.
export async function transferDialog(p, ctx) {
  const body = h("div", {}, h("p", { role: "status" }, "Loading destinations…"));
  openDialog("Transfer " + p, () => body);
  let mine, book;
  try {
    [mine, book] = await Promise.all([get(API + "/destinations"), get(API + "/addressbook")]);
  } catch (err) {
    replace(body, alertBox(err), closeButton(body));
    return;
  }
  const own = (mine || []).filter((d) => d.kind === "documentstore");
  const targets = [];
  for (const m of book || []) {
    for (const d of m.destinations || []) {
      if (d.uri.includes("://documentstore/")) targets.push({ label: m.membership.replace(/^\//, "") + " · " + d.name, uri: d.uri });
    }
  }
  if (own.length === 0) {
    replace(body, empty("You have no document store destination to send from: create one in Destinations first."), closeButton(body));
    return;
  }
  if (targets.length === 0) {
    replace(body, empty("The address book has no document store destination to send to."), closeButton(body));
    return;
  }
  const from = field("From (my destination)", { tag: "select", name: "from", options: own.map((d) => h("option", { value: d.uri }, d.name + " — " + d.uri)) });
  const to = field("To (address book)", { tag: "select", name: "to", options: targets.map((t) => h("option", { value: t.uri }, t.label + " — " + t.uri)) });
  const out = h("div", { class: "messages", "aria-live": "polite" });
  const send = h("button", { type: "submit" }, "Send document");
  const form = h("form", {}, h("p", {}, "Document: ", h("code", {}, p)), from.el, to.el, out,
    h("div", { class: "actions" }, send, h("button", { type: "button", onclick: () => body.closest("dialog").close() }, "Close")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    send.disabled = true;
    try {
      const r = await request("POST", API + "/transfers", { json: { from: from.input.value, to: to.input.value, document: p } });
      replace(out, h("p", { role: "status" }, (r.result || "Document sent.") + " Transfer " + r.transfer_id + ". ",
        h("a", { href: "#/transfers", onclick: () => body.closest("dialog").close() }, "See it in Transfers")));
    } catch (err) {
      replace(out, alertBox("Not sent: " + err.message));
    } finally {
      send.disabled = false;
    }
  });
  replace(body, form);
  void ctx;
}

function closeButton(body) {
  return h("div", { class: "actions" }, h("button", { type: "button", onclick: () => body.closest("dialog").close() }, "Close"));
}
