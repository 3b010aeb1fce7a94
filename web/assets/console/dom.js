// Small DOM helpers: the console builds its views with h(), no framework.

// h creates an element. attrs: plain attributes, plus "on<event>"
// functions, "class", and boolean attributes (true/false). Children are
// nodes, strings, numbers, arrays, or null/false (skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2), v);
    } else if (k === "value" && (tag === "input" || tag === "textarea" || tag === "select")) {
      el.value = v;
    } else if (v === true) {
      el.setAttribute(k, "");
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// add appends children to el (skipping null and false, like h).
export function add(el, ...children) {
  append(el, children);
  return el;
}

// replace empties el and puts children in it.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
export function uid(prefix) { ids += 1; return (prefix || "id") + "-" + ids; }

// field is a labelled input: returns [label, input] in a div.
export function field(label, attrs) {
  const id = uid("f");
  const input = attrs && attrs.tag === "select"
    ? h("select", { id, name: attrs.name }, attrs.options)
    : h(attrs && attrs.tag === "textarea" ? "textarea" : "input", Object.assign({ id }, attrs, { tag: null, options: null }));
  return { el: h("div", { class: "field" }, h("label", { for: id }, label), input), input };
}

export function formatBytes(n) {
  if (n === null || n === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return (i === 0 ? String(v) : v.toFixed(1)) + " " + units[i];
}

export function formatTime(s) {
  if (!s) return "";
  const d = new Date(s);
  if (isNaN(d)) return s;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

// copyButton copies text to the clipboard; its accessible name says what.
export function copyButton(text, what) {
  const b = h("button", { type: "button", class: "copy", "aria-label": "Copy " + what, title: "Copy " + what }, "Copy");
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = "Copied";
    } catch (e) {
      // No clipboard permission (plain http, or denied): select the text instead.
      b.textContent = "Select and copy: " + text;
    }
  });
  return b;
}

// mono shows a long value (hash, URI, signature) shortened, with a copy button.
export function copyable(text, what) {
  if (!text) return h("span", { class: "muted" }, "—");
  return h("span", { class: "copyable" }, h("code", { title: text, "data-value": text }, short(text)), " ", copyButton(text, what));
}

export function short(s) {
  return s.length > 24 ? s.slice(0, 10) + "…" + s.slice(-10) : s;
}

// alertBox shows an error in words, announced to assistive technology.
export function alertBox(err) {
  return h("p", { role: "alert", class: "error" }, err && err.message ? err.message : String(err));
}

export function status(text) {
  return h("p", { role: "status", class: "notice" }, text);
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}

// dialog opens a modal <dialog> with a title; body is a function given
// close() that returns the content. Resolves when closed.
export function openDialog(title, body) {
  const id = uid("dlg");
  const d = h("dialog", { "aria-labelledby": id });
  const close = () => { d.close(); };
  d.append(h("h2", { id }, title), body(close));
  d.addEventListener("close", () => d.remove());
  document.body.append(d);
  d.showModal();
  return d;
}

// confirmDialog asks a yes/no question; resolves true on confirm.
export function confirmDialog(title, text, yes) {
  return new Promise((resolve) => {
    let answer = false;
    const d = openDialog(title, (close) => h("div", {},
      h("p", {}, text),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "danger", onclick: () => { answer = true; close(); } }, yes),
        h("button", { type: "button", onclick: close }, "Cancel"))));
    d.addEventListener("close", () => resolve(answer));
  });
}
