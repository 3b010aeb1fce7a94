// The console's REST client: every call carries the session's CSRF token
// (the header also tells the node not to answer with a Basic-auth
// challenge), and every failure becomes an ApiError whose message is the
// node's own words.

export const API = "/api/v1";

let csrf = "";
let onSignedOut = () => {};

export function setSession(token, signedOut) {
  csrf = token || "";
  if (signedOut) onSignedOut = signedOut;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function describe(status, body, retryAfter) {
  let msg = "";
  try { msg = JSON.parse(body).error || ""; } catch (e) { msg = ""; }
  if (status === 429) {
    return "Too many failed attempts: wait " + (retryAfter || "a few") + " seconds and try again." + (msg ? " (" + msg + ")" : "");
  }
  if (!msg) msg = body && body.length < 300 ? body : "";
  return (msg || "The node answered " + status + " without a message.") + (status ? " (HTTP " + status + ")" : "");
}

// encodePath escapes each segment of a document path.
export function encodePath(p) {
  return p.split("/").map(encodeURIComponent).join("/");
}

export async function request(method, path, opts) {
  const o = opts || {};
  const headers = { "X-CSRF-Token": csrf };
  let body = o.body;
  if (o.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(o.json);
  }
  if (o.contentType) headers["Content-Type"] = o.contentType;
  let res;
  try {
    res = await fetch(path, { method, headers, body, credentials: "same-origin", cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, "The node cannot be reached: " + e.message + ". Check that it is running and try again.");
  }
  const text = await res.text();
  if (!res.ok) {
    const err = new ApiError(res.status, describe(res.status, text, res.headers.get("Retry-After")));
    if (res.status === 401 && !o.signIn) onSignedOut(err);
    throw err;
  }
  if (!text) return null;
  try { return JSON.parse(text); } catch (e) { return text; }
}

export const get = (path) => request("GET", path);
export const del = (path) => request("DELETE", path);
export const post = (path, json) => request("POST", path, { json });
export const put = (path, json) => request("PUT", path, { json });

// upload sends file as the multipart field "document" with
// XMLHttpRequest, which streams it from disk (the page never holds the
// bytes) and reports progress: onProgress(sentBytes, totalBytes).
// Returns {promise, abort}.
export function upload(path, file, onProgress, overwrite) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open(overwrite === false ? "POST" : "PUT", path);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total); });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        try { resolve(JSON.parse(xhr.responseText)); } catch (e) { resolve({}); }
      } else {
        const err = new ApiError(xhr.status, describe(xhr.status, xhr.responseText, xhr.getResponseHeader("Retry-After")));
        if (xhr.status === 401) onSignedOut(err);
        reject(err);
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "The upload of " + file.name + " failed: the connection to the node broke.")));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "The upload of " + file.name + " was cancelled.")));
    const form = new FormData();
    form.append("document", file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
