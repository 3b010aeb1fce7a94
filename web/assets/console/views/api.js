// API: how programs reach this node: REST base, socket.io endpoint,
// the OpenAPI document, and short client examples.
import { h, add, replace, copyButton, alertBox, status, empty, formatTime, confirmDialog } from "../dom.js";
import { API, get, post, del } from "../api.js";

function row(label, value) {
  return h("div", { class: "kv" }, h("dt", {}, label), h("dd", {}, h("code", {}, value), " ", copyButton(value, label)));
}

export function render(main, params, ctx) {
  const origin = location.origin;
  const rest = origin + "/api/v1";
  const ws = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1";
  const curl = "curl -u USER:PASSWORD " + rest + "/documents";
  const node = [
    "const io = require(\"socket.io-client\");",
    "const socket = io(\"" + ws + "\", {",
    "  extraHeaders: { Authorization: \"Basic \" + Buffer.from(\"USER:PASSWORD\").toString(\"base64\") },",
    "  transports: [\"websocket\"],",
    "});",
    "socket.on(\"document_received\", (t) => console.log(\"received\", t.document, t.hash));",
  ].join("\n");
  add(main, h("h1", {}, "API"),
    h("p", {}, "Programs use the same node with an application credential (HTTP Basic auth). Signed in as ", h("strong", {}, ctx.session.member), " with credential ", h("code", {}, ctx.session.user), "."),
    h("dl", {}, row("REST base", rest), row("socket.io endpoint", ws)),
    h("p", {}, h("a", { href: "/api/v1/openapi.json" }, "OpenAPI document (openapi.json)"), " describes every call."),
    h("h2", {}, "curl"), h("pre", { "aria-label": "curl example" }, curl), copyButton(curl, "curl example"),
    h("h2", {}, "Node.js with socket.io-client"), h("pre", { "aria-label": "Node.js example" }, node), copyButton(node, "Node.js example"),
    h("h2", {}, "Application credentials"), credentials(ctx));
  return null;
}

// credentials lists my member's credentials, issues new ones (the
// password shown once) and revokes them.
function credentials(ctx) {
  const box = h("section", { "aria-label": "Application credentials" });
  const messages = h("div", { class: "messages", "aria-live": "polite" });
  const list = h("div", { class: "listing" });
  const create = h("button", { type: "button" }, "Create credential");
  create.addEventListener("click", async () => {
    try {
      const c = await post(API + "/credentials");
      replace(messages, h("div", { role: "status", class: "notice" },
        h("p", {}, "Created credential ", h("strong", {}, c.user), ". Copy the password now: it is shown only once."),
        h("dl", {}, h("div", { class: "kv" }, h("dt", {}, "User"), h("dd", {}, h("code", { "aria-label": "New user" }, c.user), " ", copyButton(c.user, "new user"))),
          h("div", { class: "kv" }, h("dt", {}, "Password"), h("dd", {}, h("code", { "aria-label": "New password" }, c.password), " ", copyButton(c.password, "new password"))))));
      load();
    } catch (err) {
      replace(messages, alertBox("Not created: " + err.message));
    }
  });
  add(box, h("p", {}, "Programs sign their requests with one of these (HTTP Basic). Revoke one you no longer use: requests with it are refused at once."), create, messages, list);

  async function load() {
    let creds;
    try { creds = await get(API + "/credentials"); } catch (err) { replace(list, alertBox(err)); return; }
    if (!creds || creds.length === 0) { replace(list, empty("Your member has no credentials listed. Create one above.")); return; }
    replace(list, h("table", { "aria-label": "Credentials" },
      h("thead", {}, h("tr", {}, ["User", "Created", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, creds.map((c) => h("tr", {},
        h("th", { scope: "row" }, c.user, c.current ? " (this session)" : ""),
        h("td", {}, formatTime(c.created)),
        h("td", {}, h("button", { type: "button", class: "danger", "aria-label": "Revoke " + c.user, onclick: () => revoke(c) }, "Revoke")))))));
  }

  async function revoke(c) {
    const text = c.current
      ? "You are signed in with " + c.user + ": revoking it signs you out, and every program using it is refused."
      : "Programs using " + c.user + " are refused from now on. This cannot be undone.";
    if (!(await confirmDialog("Revoke " + c.user + "?", text, "Revoke"))) return;
    try {
      await del(API + "/credentials/" + encodeURIComponent(c.user));
      replace(messages, status("Revoked " + c.user + "."));
      load();
    } catch (err) {
      replace(messages, alertBox("Not revoked: " + err.message));
    }
  }
  load();
  void ctx;
  return box;
}
