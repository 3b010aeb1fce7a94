// API: how programs reach this node: REST base, socket.io endpoint,
// the OpenAPI document, and short client examples.
import { h, add, copyButton } from "../dom.js";

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
    h("h2", {}, "Application credentials"),
    h("p", {}, "Credentials are issued on the node with ", h("code", {}, "consign credential"), " (consign dev prints the demo members'). Listing and revoking them from the console needs an API the node does not offer yet."));
  return null;
}
