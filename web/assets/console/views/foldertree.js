// The folder tree beside the Documents listing: an ARIA tree (role
// "tree", one "treeitem" per folder, "group" for its sub-folders) that
// loads a folder's sub-folders when it is expanded. Keyboard: Up and Down
// move between visible folders, Right expands (or enters) one, Left
// collapses it (or goes to its parent), Home and End, Enter or Space open
// the folder in the listing. Expanded folders stay expanded while the
// page lives.
import { h, replace, uid } from "../dom.js";
import { API, get, encodePath } from "../api.js";

// A folder's sub-folders are found by reading its listing, up to
// SCAN_PAGES pages of SCAN_LIMIT entries (the API's largest page).
const SCAN_LIMIT = 1000;
const SCAN_PAGES = 20;

const expanded = new Set(["/"]);
let focusOnBuild = false;

function join(dir, name) { return (dir === "/" ? "" : dir) + "/" + name; }

// subfolders returns the names of the folders in dir, and whether there
// may be more than were read.
async function subfolders(dir) {
  const names = [];
  const base = dir === "/" ? API + "/documents/" : API + "/documents" + encodePath(dir) + "/";
  for (let page = 0, offset = 0; page < SCAN_PAGES; page += 1, offset += SCAN_LIMIT) {
    let res;
    try {
      res = await get(base + "?" + new URLSearchParams({ offset, limit: SCAN_LIMIT }));
    } catch (err) {
      if (err.status === 404) return { names, more: false }; // not there (yet)
      throw err;
    }
    for (const e of res.entries || []) if (e.is_directory) names.push(e.name);
    if (!res.is_truncated) return { names, more: false };
  }
  return { names, more: true };
}

// folderTree returns {el, reload}: the tree with current selected and
// its ancestors expanded; open(path) shows a folder in the listing.
export function folderTree(current, open) {
  for (let p = current; ; p = p.slice(0, p.lastIndexOf("/")) || "/") {
    expanded.add(p);
    if (p === "/") break;
  }
  const tree = h("ul", { role: "tree", "aria-labelledby": "folders-title", class: "tree" });
  const note = h("p", { class: "muted", "aria-live": "polite" });
  const el = h("section", { class: "tree-pane", "aria-labelledby": "folders-title" },
    h("h2", { id: "folders-title" }, "Folders"), tree, note);

  function item(path, label, level) {
    const id = uid("tree");
    const group = h("ul", { role: "group", hidden: true });
    const li = h("li", { role: "treeitem", "aria-labelledby": id, "aria-level": level, "aria-expanded": "false",
      "aria-selected": path === current ? "true" : "false", tabindex: "-1", "data-path": path },
    h("span", { class: "twisty", "aria-hidden": "true" }), h("span", { id, class: "label" }, label), group);
    li.loaded = false;
    li.group = group;
    return li;
  }

  async function expand(li) {
    li.setAttribute("aria-expanded", "true");
    li.group.hidden = false;
    expanded.add(li.dataset.path);
    if (li.loaded) return;
    li.loaded = true;
    li.setAttribute("aria-busy", "true");
    try {
      const { names, more } = await subfolders(li.dataset.path);
      const level = Number(li.getAttribute("aria-level")) + 1;
      const kids = names.map((n) => item(join(li.dataset.path, n), n, level));
      replace(li.group, kids);
      if (kids.length === 0) {
        li.removeAttribute("aria-expanded"); // a leaf
        li.group.hidden = true;
      }
      if (more) note.textContent = "Only the first folders of " + li.dataset.path + " are shown; open it to page through the rest.";
      await Promise.all(kids.filter((k) => expanded.has(k.dataset.path)).map(expand));
    } catch (err) {
      li.loaded = false;
      note.textContent = "Cannot read the folders of " + li.dataset.path + ": " + err.message;
    } finally {
      li.removeAttribute("aria-busy");
    }
  }

  function collapse(li) {
    li.setAttribute("aria-expanded", "false");
    li.group.hidden = true;
    expanded.delete(li.dataset.path);
  }

  function visible() {
    return [...tree.querySelectorAll('[role="treeitem"]')].filter((li) => !li.parentElement.closest("[hidden]"));
  }

  function focusItem(li) {
    if (!li) return;
    for (const x of tree.querySelectorAll('[role="treeitem"][tabindex="0"]')) x.setAttribute("tabindex", "-1");
    li.setAttribute("tabindex", "0");
    li.focus();
  }

  function activate(li) {
    focusOnBuild = true;
    open(li.dataset.path);
  }

  tree.addEventListener("click", (e) => {
    const li = e.target.closest('[role="treeitem"]');
    if (!li) return;
    if (e.target.classList.contains("twisty") && li.hasAttribute("aria-expanded")) {
      if (li.getAttribute("aria-expanded") === "true") collapse(li); else expand(li);
      focusItem(li);
      return;
    }
    activate(li);
  });
  tree.addEventListener("keydown", (e) => {
    const li = e.target.closest('[role="treeitem"]');
    if (!li) return;
    const items = visible();
    const i = items.indexOf(li);
    const state = li.getAttribute("aria-expanded");
    switch (e.key) {
      case "ArrowDown": focusItem(items[i + 1]); break;
      case "ArrowUp": focusItem(items[i - 1]); break;
      case "Home": focusItem(items[0]); break;
      case "End": focusItem(items[items.length - 1]); break;
      case "ArrowRight":
        if (state === "false") expand(li);
        else if (state === "true") focusItem(li.group.querySelector('[role="treeitem"]'));
        break;
      case "ArrowLeft":
        if (state === "true") collapse(li);
        else focusItem(li.parentElement.closest('[role="treeitem"]'));
        break;
      case "Enter":
      case " ":
        activate(li);
        break;
      default:
        return;
    }
    e.preventDefault();
  });

  // build reads the expanded folders into a new tree and then swaps it
  // in whole, so that a reload never shows a half-read tree.
  let builds = 0;
  async function build() {
    const gen = ++builds;
    const root = item("/", "All documents", 1);
    root.setAttribute("tabindex", "0"); // the tree's one tab stop until the current folder shows
    if (!tree.firstChild) replace(tree, root); // the first time, show it as it loads
    note.textContent = "";
    await expand(root);
    // A newer build replaces this one; a tree the page left (the view
    // moved on) must not take the focus meant for its successor.
    if (gen !== builds || !tree.isConnected) return;
    const selected = root.querySelector('[role="treeitem"][aria-selected="true"]') || root;
    root.setAttribute("tabindex", "-1");
    selected.setAttribute("tabindex", "0");
    if (tree.firstChild !== root) {
      // Keep the keyboard focus on its folder across a reload.
      const had = tree.contains(document.activeElement) ? document.activeElement.dataset.path : null;
      replace(tree, root);
      const again = had && [...root.querySelectorAll('[role="treeitem"]'), root].find((li) => li.dataset.path === had);
      if (again) focusItem(again);
    }
    if (focusOnBuild) {
      focusOnBuild = false;
      selected.focus();
    }
  }
  build();
  return { el, reload: () => { build(); } };
}
