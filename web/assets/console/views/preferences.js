// Preferences: the received-documents path template, with a preview.
import { h, add, replace, field, alertBox, status } from "../dom.js";
import { API, get, put } from "../api.js";

const VARS = {
  sender_org: "acme",
  sender_destination: "docs",
  recipient_destination: "inbox",
};

export function preview(template) {
  return template.replace(/\$\{([a-z_]+)\}/g, (m, v) => (v in VARS ? VARS[v] : m)) + "/contract.pdf";
}

export function render(main) {
  const tpl = field("Received documents path", { name: "receivedDocumentsPath", required: true, spellcheck: "false" });
  const pv = h("output", { for: tpl.input.id, "aria-label": "Preview" });
  const messages = h("div", { class: "messages", "aria-live": "polite" });
  const update = () => { pv.textContent = preview(tpl.input.value); };
  tpl.input.addEventListener("input", update);
  const form = h("form", { "aria-label": "Preferences" }, tpl.el,
    h("p", {}, "Variables: ", h("code", {}, "${sender_org}"), ", ", h("code", {}, "${sender_destination}"), ", ", h("code", {}, "${recipient_destination}"), ". Received documents keep their own name in that folder."),
    h("p", {}, "Preview (a contract.pdf from acme's docs to your inbox): ", pv),
    messages, h("button", { type: "submit" }, "Save preferences"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await put(API + "/preferences", { key: "receivedDocumentsPath", value: tpl.input.value });
      replace(messages, status("Saved: documents you receive from now on go to " + preview(tpl.input.value).replace(/\/contract\.pdf$/, "") + "."));
    } catch (err) {
      replace(messages, alertBox("Not saved: " + err.message));
    }
  });
  add(main, h("h1", {}, "Preferences"), form);
  (async () => {
    try {
      const p = await get(API + "/preferences");
      tpl.input.value = p.receivedDocumentsPath || "";
      update();
    } catch (err) {
      replace(messages, alertBox(err));
    }
  })();
  return null;
}
