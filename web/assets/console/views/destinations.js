// Destinations: list mine, create managed or externally managed ones,
// publish an external destination's certificate, delete.
import { h, add, replace, field, formatTime, copyable, alertBox, status, empty, confirmDialog, openDialog } from "../dom.js";
import { API, get, post, del, request } from "../api.js";

export function render(main) {
  const out = h("div", { class: "listing" });
  const messages = h("div", { class: "messages", "aria-live": "polite" });
  const name = field("Name", { name: "name", required: true, pattern: "[a-z0-9._\\-]{1,64}", title: "1 to 64 of a-z 0-9 - _ ." });
  const kind = field("Kind", { tag: "select", name: "kind", options: [h("option", { value: "documentstore" }, "documentstore"), h("option", { value: "app2app" }, "app2app")] });
  const external = h("input", { type: "checkbox", id: "dest-external", name: "external" });
  const form = h("form", { "aria-label": "Create destination", class: "toolbar" }, name.el, kind.el,
    h("div", { class: "field check" }, external, h("label", { for: "dest-external" }, "Externally managed (I keep the key)")),
    h("button", { type: "submit" }, "Create destination"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const d = await post(API + "/destinations", { name: name.input.value.trim(), kind: kind.input.value, external: external.checked });
      name.input.value = "";
      if (d.managed) {
        replace(messages, status("Created managed destination " + d.name + " (" + d.uri + "); its certificate is published."));
      } else {
        replace(messages, externalHelp(d));
      }
      load();
    } catch (err) {
      replace(messages, alertBox("Not created: " + err.message));
    }
  });
  add(main, h("h1", {}, "Destinations"), h("p", { class: "muted" }, "Your inboxes. A managed destination's key is kept by this node; for an externally managed one you make the key and publish its certificate."), form, messages, out);

  function externalHelp(d) {
    const cmd = "openssl req -x509 -newkey rsa:2048 -sha256 -days 365 -nodes -keyout key.pem -out cert.pem -subj /CN=" + d.required_cn;
    return h("div", { role: "status", class: "notice" },
      h("p", {}, "Created externally managed destination " + d.name + ". Make its key and a certificate whose CN is exactly:"),
      h("p", {}, h("code", { class: "block", "aria-label": "Required CN" }, d.required_cn), " ", copyable(d.required_cn, "required CN")),
      h("p", {}, "For example:"),
      h("pre", { "aria-label": "openssl command" }, cmd), copyable(cmd, "openssl command"),
      h("p", {}, "Then use Upload certificate on its row to publish cert.pem."));
  }

  async function load() {
    let list;
    try {
      list = await get(API + "/destinations");
    } catch (err) {
      replace(out, alertBox(err));
      return;
    }
    if (!list || list.length === 0) {
      replace(out, empty("You have no destinations yet: create one above (documentstore to send and receive documents, app2app for messages)."));
      return;
    }
    replace(out, h("table", { "aria-label": "My destinations" },
      h("thead", {}, h("tr", {}, ["Name", "Kind", "Managed", "URI", "Certificate", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, list.map((d) => h("tr", {},
        h("th", { scope: "row" }, d.name), h("td", {}, d.kind), h("td", {}, d.managed ? "managed" : "external"),
        h("td", {}, copyable(d.uri, "URI of " + d.name)),
        h("td", {}, certSummary(d)),
        h("td", { class: "actions" },
          !d.managed ? h("button", { type: "button", "aria-label": "Upload certificate for " + d.name, onclick: () => uploadCert(d) }, "Upload certificate") : null,
          h("button", { type: "button", class: "danger", "aria-label": "Delete destination " + d.name, onclick: () => remove(d) }, "Delete")))))));
  }

  function certSummary(d) {
    if (!d.certificate) return h("span", { class: "warning" }, "no certificate published yet");
    const expired = d.certificate_not_after && new Date(d.certificate_not_after) < new Date();
    return h("div", {},
      d.certificate_subject ? h("p", { class: "cert-subject" }, h("code", {}, d.certificate_subject)) : null,
      d.certificate_not_after ? h("p", { class: expired ? "warning" : "muted" }, (expired ? "Expired " : "Expires ") + formatTime(d.certificate_not_after)) : null,
      h("details", {}, h("summary", {}, "PEM"), h("pre", {}, d.certificate), copyable(d.certificate, "certificate of " + d.name)));
  }

  function uploadCert(d) {
    const file = field("Certificate file (PEM)", { type: "file", name: "certificate", accept: ".pem,.crt,.cer" });
    const text = field("or paste the PEM", { tag: "textarea", name: "pem", rows: 6 });
    const out2 = h("div", { class: "messages", "aria-live": "polite" });
    openDialog("Upload certificate for " + d.name, (close) => {
      const f = h("form", {}, h("p", {}, "The certificate's CN must be ", h("code", {}, d.required_cn || "the destination's required CN"), "."), file.el, text.el, out2,
        h("div", { class: "actions" }, h("button", { type: "submit" }, "Publish certificate"), h("button", { type: "button", onclick: close }, "Close")));
      f.addEventListener("submit", async (e) => {
        e.preventDefault();
        const body = file.input.files[0] || text.input.value;
        if (!body) { replace(out2, alertBox("Choose a PEM file or paste the certificate.")); return; }
        try {
          await request("PUT", API + "/destinations/" + encodeURIComponent(d.name) + "/certificate", { body, contentType: "application/x-pem-file" });
          replace(out2, status("Published. The destination can now be used."));
          load();
        } catch (err) {
          replace(out2, alertBox("Refused: " + err.message));
        }
      });
      return f;
    });
  }

  async function remove(d) {
    if (!(await confirmDialog("Delete " + d.name + "?", "The destination " + d.uri + " is removed from the registry; nobody can send to it any more.", "Delete"))) return;
    try {
      await del(API + "/destinations/" + encodeURIComponent(d.name));
      replace(messages, status("Deleted " + d.name + "."));
      load();
    } catch (err) {
      replace(messages, alertBox("Cannot delete " + d.name + ": " + err.message));
    }
  }

  load();
  return null;
}
