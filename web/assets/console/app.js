// Consign console: sign-in, the navigation and a router over the URL
// fragment (#/documents?path=/a). Each view module exports
// render(main, params, ctx) and may return a cleanup function.
import { h, replace, field, alertBox } from "./dom.js";
import { request, setSession } from "./api.js";
import * as live from "./live.js";
import * as documents from "./views/documents.js";
import * as search from "./views/search.js";
import * as destinations from "./views/destinations.js";
import * as addressbook from "./views/addressbook.js";
import * as transfers from "./views/transfers.js";
import * as messages from "./views/messages.js";
import * as registry from "./views/registry.js";
import * as apiview from "./views/api.js";
import * as logs from "./views/logs.js";
import * as preferences from "./views/preferences.js";

const views = [
  ["documents", "Documents", documents],
  ["search", "Search", search],
  ["destinations", "Destinations", destinations],
  ["addressbook", "Address book", addressbook],
  ["transfers", "Transfers", transfers],
  ["messages", "Messages", messages],
  ["registry", "Registry", registry],
  ["api", "API", apiview],
  ["logs", "Logs", logs],
  ["preferences", "Preferences", preferences],
];

const root = document.getElementById("app");
let session = null;
let cleanup = null;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [name, query] = raw.split("?");
  return { name: name || "documents", params: new URLSearchParams(query || "") };
}

export function go(name, params) {
  const q = params ? new URLSearchParams(params).toString() : "";
  location.hash = "#/" + name + (q ? "?" + q : "");
}

function signedOut(err) {
  if (!session) return;
  session = null;
  live.stop();
  showSignIn(err ? err.message : "");
}

function showSignIn(message) {
  if (cleanup) { cleanup(); cleanup = null; }
  document.title = "Sign in · Consign console";
  const user = field("User", { name: "user", autocomplete: "username", required: true, autocapitalize: "off", spellcheck: "false" });
  const pass = field("Password", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const msg = h("div", { class: "messages" }, message ? alertBox(message) : null);
  const submit = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "signin", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in to Consign"),
    h("p", {}, "Use the user name and password of an application credential of this environment (consign dev prints them, and dev.json holds them)."),
    user.el, pass.el, msg, submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submit.disabled = true;
    replace(msg, h("p", { role: "status" }, "Signing in…"));
    try {
      const s = await request("POST", "/console/session", { json: { user: user.input.value, password: pass.input.value }, signIn: true });
      replace(msg);
      start(s);
    } catch (err) {
      replace(msg, alertBox(err.status === 401 ? "Sign-in refused: " + err.message : err.message));
      pass.input.select();
    } finally {
      submit.disabled = false;
    }
  });
  replace(root, h("main", { class: "signin-page" }, form));
  user.input.focus();
}

async function signOut() {
  try {
    await request("DELETE", "/console/session");
  } catch (e) {
    // The session is gone either way once the cookie is cleared.
  }
  session = null;
  live.stop();
  setSession("");
  showSignIn("");
  const s = root.querySelector('[role="status"]');
  if (!s) root.querySelector("form").prepend(h("p", { role: "status" }, "You are signed out."));
}

function start(s) {
  session = s;
  setSession(s.csrf_token, signedOut);
  live.start();
  const status = h("span", { class: "socket", role: "status", "aria-live": "polite" });
  live.onState((st) => { status.textContent = "Live: " + st; status.dataset.state = st.split(":")[0]; });
  const nav = h("nav", { "aria-label": "Console" }, h("ul", {},
    views.map(([id, label]) => h("li", {}, h("a", { href: "#/" + id, "data-view": id }, label)))));
  const main = h("main", { id: "main", tabindex: "-1" });
  const header = h("header", { class: "top" },
    h("a", { class: "skip", href: "#main", onclick: (e) => { e.preventDefault(); main.focus(); } }, "Skip to content"),
    h("span", { class: "brand" }, "Consign"),
    h("span", { class: "who" }, "Signed in as ", h("strong", {}, s.member), " (", s.environment, ")"),
    status,
    h("button", { type: "button", onclick: signOut }, "Sign out"));
  replace(root, header, h("div", { class: "shell" }, nav, main));
  route();
}

function route() {
  if (!session) return;
  const { name, params } = parseHash();
  const entry = views.find(([id]) => id === name) || views[0];
  for (const a of root.querySelectorAll("nav a")) {
    if (a.dataset.view === entry[0]) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const main = document.getElementById("main");
  if (cleanup) { cleanup(); cleanup = null; }
  document.title = entry[1] + " · Consign console";
  replace(main);
  try {
    cleanup = entry[2].render(main, params, { session, go }) || null;
  } catch (e) {
    replace(main, alertBox(e));
  }
}

window.addEventListener("hashchange", route);

(async () => {
  try {
    const s = await request("GET", "/console/session", { signIn: true });
    if (s && s.signed_in) start(s);
    else showSignIn("");
  } catch (e) {
    showSignIn(e.status === 401 || e.status === 403 ? "" : e.message);
  }
})();
