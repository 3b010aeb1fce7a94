// Messages: send an app-to-app message from one of my destinations to any
// destination and see its delivery report; subscribe to my destinations
// and see messages arrive live, with auto or manual commit.
import { h, add, replace, field, alertBox, status, empty, formatTime, short } from "../dom.js";
import { API, get } from "../api.js";
import * as live from "../live.js";

let sub = null; // the subscription socket survives view changes? No: closed on leave.

export function render(main) {
  const messages = h("div", { class: "messages", "aria-live": "polite" });
  const reports = h("ul", { "aria-label": "Delivery reports", class: "log" });
  const inbox = h("ul", { "aria-label": "Received messages", class: "log" });
  const sendBox = h("div", {});
  const subBox = h("div", {});
  add(main, h("h1", {}, "Messages"),
    h("section", { "aria-labelledby": "send-h" }, h("h2", { id: "send-h" }, "Send a message"), sendBox, messages, h("h3", {}, "Delivery reports"), reports),
    h("section", { "aria-labelledby": "sub-h" }, h("h2", { id: "sub-h" }, "Receive"), subBox, h("h3", {}, "Received messages"), inbox));
  reports.append(h("li", { class: "muted empty-row" }, "Messages you send are listed here once the node has durably accepted them."));
  inbox.append(h("li", { class: "muted empty-row" }, "Subscribe to your destinations above to see messages arrive."));

  const offReport = live.on("delivery-report", (r) => {
    const e = reports.querySelector(".empty-row"); if (e) e.remove();
    reports.prepend(h("li", {}, "Delivered: key ", h("code", {}, r.key), " at ", formatTime(r.timestamp)));
  });

  (async () => {
    let mine, book;
    try {
      [mine, book] = await Promise.all([get(API + "/destinations"), get(API + "/addressbook")]);
    } catch (err) {
      replace(sendBox, alertBox(err));
      return;
    }
    const own = (mine || []).filter((d) => d.kind === "app2app");
    if (own.length === 0) {
      replace(sendBox, empty("You have no app2app destination: create one in Destinations to send and receive messages."));
      replace(subBox, empty("Nothing to subscribe to yet."));
      return;
    }
    const targets = [];
    for (const m of book || []) for (const d of m.destinations || []) {
      if (d.uri.includes("://app2app/")) targets.push(h("option", { value: d.uri }, m.membership.replace(/^\//, "") + " · " + d.name + " — " + d.uri));
    }
    const from = field("From (my destination)", { tag: "select", name: "from", options: own.map((d) => h("option", { value: d.uri }, d.name + " — " + d.uri)) });
    const to = field("To", { tag: "select", name: "to", options: targets });
    const key = field("Key", { name: "key", value: "console" });
    const content = field("Content", { tag: "textarea", name: "content", rows: 3, required: true });
    const send = h("button", { type: "submit" }, "Send message");
    const form = h("form", { "aria-label": "Send a message" }, from.el, to.el, key.el, content.el, send);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const s = window.consignSocket;
      if (!s || !s.connected) { replace(messages, alertBox("Not connected to the node's socket: wait for Live: connected and try again.")); return; }
      send.disabled = true;
      replace(messages, h("p", { role: "status" }, "Sending…"));
      s.timeout(30000).emit("produce", { headers: { from: from.input.value, to: to.input.value }, content: content.input.value }, key.input.value, (timeout, err) => {
        send.disabled = false;
        if (timeout) replace(messages, alertBox("The node did not answer within 30 s; the message may not have been sent."));
        else if (err) replace(messages, alertBox("Not sent: " + (err.message || err)));
        else replace(messages, status("Message sent; waiting for its delivery report."));
      });
    });
    replace(sendBox, form);

    const boxes = own.map((d) => {
      const id = "sub-" + d.name;
      return h("div", { class: "field check" }, h("input", { type: "checkbox", id, value: d.uri, checked: true }), h("label", { for: id }, d.name + " — " + d.uri));
    });
    const manual = h("input", { type: "checkbox", id: "manual-commit" });
    const subMsg = h("div", { class: "messages", "aria-live": "polite" });
    const commit = h("button", { type: "button", disabled: true }, "Commit");
    const subscribe = h("button", { type: "submit" }, "Subscribe");
    const subForm = h("form", { "aria-label": "Subscribe" }, h("fieldset", {}, h("legend", {}, "My destinations"), boxes),
      h("div", { class: "field check" }, manual, h("label", { for: "manual-commit" }, "Manual commit (messages are delivered again after a reconnect until committed)")),
      h("div", { class: "actions" }, subscribe, commit), subMsg);
    let pending = 0;
    commit.addEventListener("click", () => {
      if (!sub) return;
      sub.emit("commit");
      pending = 0;
      commit.disabled = true;
      replace(subMsg, status("Committed every message received so far."));
    });
    subForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const uris = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
      if (uris.length === 0) { replace(subMsg, alertBox("Choose at least one destination.")); return; }
      if (sub) sub.disconnect();
      sub = live.connect(manual.checked ? "auto_commit=false" : "auto_commit=true");
      const isManual = manual.checked;
      replace(subMsg, h("p", { role: "status" }, "Connecting…"));
      sub.on("connect_error", (err) => replace(subMsg, alertBox("Refused: " + (err.data && err.data.error ? err.data.error : err.message))));
      sub.on("exception", (m) => subMsg.append(alertBox(String(m))));
      sub.on("connect", () => {
        sub.timeout(30000).emit("subscribe", uris, (timeout, err, result) => {
          if (timeout) replace(subMsg, alertBox("The node did not answer the subscription within 30 s."));
          else if (err) replace(subMsg, alertBox("Not subscribed: " + (err.message || err)));
          else replace(subMsg, status((result || "Subscribed.") + " Listening on " + uris.length + " destination(s)" + (isManual ? ", manual commit." : ".")));
        });
      });
      sub.on("data", (msg, k, ts) => {
        const e2 = inbox.querySelector(".empty-row"); if (e2) e2.remove();
        if (typeof msg === "string") {
          inbox.prepend(h("li", {}, "Encrypted for an external destination (key ", h("code", {}, String(k)), "): ", h("pre", {}, msg)));
        } else {
          const c = msg.content;
          const text = typeof c === "string" ? c : "(" + (c && c.byteLength !== undefined ? c.byteLength : "?") + " bytes of binary content)";
          inbox.prepend(h("li", {}, h("span", { class: "muted" }, formatTime(ts), " · from ", h("code", { title: msg.headers.from }, short(msg.headers.from)), " · key ", h("code", {}, String(k))), h("p", { class: "content" }, text)));
        }
        if (isManual) { pending += 1; commit.disabled = false; commit.textContent = "Commit (" + pending + ")"; }
      });
    });
    replace(subBox, subForm);
  })();
  return () => {
    offReport();
    if (sub) { sub.disconnect(); sub = null; }
  };
}
