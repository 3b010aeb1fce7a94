// Drives the document store REST API the way existing Node clients do
// (axios + form-data, URLs built by string slicing, streams for files)
// and prints one JSON object with what each call returned, for
// web/documents_test.go to check.
//
// Environment: CONSIGN_URL (http://host:port), CONSIGN_USER/CONSIGN_PASS
// (an application credential), CONSIGN_TMP (a scratch folder).
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const axios = require("axios");
const FormData = require("form-data");

const DOCUMENTS = process.env.CONSIGN_URL + "/api/v1/documents";
// As the published snippets do: "/api/v1/documents" minus 9 characters
// is "/api/v1/", so these URLs carry a doubled slash ("/api/v1//search").
const API9 = DOCUMENTS.substr(0, DOCUMENTS.length - 9);
const API10 = DOCUMENTS.substr(0, DOCUMENTS.length - 10);
const auth = { username: process.env.CONSIGN_USER, password: process.env.CONSIGN_PASS };

const sha256 = (buf) => crypto.createHash("sha256").update(buf).digest("hex");

// call runs one request and records status and body (or error body).
async function call(config) {
  try {
    const res = await axios(Object.assign({ auth, maxContentLength: Infinity, maxBodyLength: Infinity }, config));
    return { status: res.status, data: res.data, headers: res.headers };
  } catch (err) {
    if (err.response) {
      return { status: err.response.status, data: err.response.data };
    }
    return { status: 0, error: String(err) };
  }
}

function form(field, value, options) {
  const f = new FormData();
  f.append(field, value, options);
  return f;
}

async function upload(method, docPath, f) {
  return call({ method, url: DOCUMENTS + docPath, data: f, headers: f.getHeaders() });
}

async function main() {
  const out = {};
  // A file on disk, uploaded from a read stream (chunked, no length).
  const file = path.join(process.env.CONSIGN_TMP, "kaleido.png");
  const content = crypto.randomBytes(3 * 1024 * 1024 + 123);
  fs.writeFileSync(file, content);
  out.localHash = sha256(content);
  out.localSize = content.length;

  out.upload = await upload("put", "/images/kaleido-logo.png", form("document", fs.createReadStream(file)));
  out.conflict = await upload("post", "/images/kaleido-logo.png", form("document", fs.createReadStream(file)));
  out.post = await upload("post", "/docs/notes.txt", form("document", Buffer.from("notes from node"), { filename: "notes.txt" }));
  out.postHash = sha256(Buffer.from("notes from node"));
  out.wrongField = await upload("put", "/docs/wrong.txt", form("file", Buffer.from("x"), { filename: "x.txt" }));
  out.traversal = await upload("put", "/%2e%2e/%2e%2e/escape.txt", form("document", Buffer.from("x"), { filename: "x.txt" }));

  // Download as a stream, hashing on the way.
  const dl = await call({ url: DOCUMENTS + "/images/kaleido-logo.png", responseType: "stream" });
  out.download = { status: dl.status, contentType: dl.headers && dl.headers["content-type"], contentLength: dl.headers && dl.headers["content-length"] };
  if (dl.status === 200) {
    const h = crypto.createHash("sha256");
    let n = 0;
    await new Promise((resolve, reject) => {
      dl.data.on("data", (chunk) => { h.update(chunk); n += chunk.length; });
      dl.data.on("end", resolve);
      dl.data.on("error", reject);
    });
    out.download.hash = h.digest("hex");
    out.download.bytes = n;
  }

  out.browse = await call({ url: DOCUMENTS + "/images" });
  out.browseRoot = await call({ url: DOCUMENTS + "/?offset=0&limit=1" });
  out.badLimit = await call({ url: DOCUMENTS + "/images?limit=abc" });
  out.inspect = await call({ url: DOCUMENTS + "/images/kaleido-logo.png?details_only=true" });
  out.search = await call({ url: API9 + "/search?query=kaleido" });
  out.searchByHash = await call({ url: API9 + "/search?query=" + out.localHash + "&by_hash=true" });
  out.prefsBefore = await call({ url: API10 + "/preferences" });
  out.prefsSet = await call({
    method: "put", url: API10 + "/preferences",
    data: { key: "receivedDocumentsPath", value: "/transfers/to/${recipient_destination}/from/${sender_org}-${sender_destination}" },
  });
  out.prefsBad = await call({ method: "put", url: API10 + "/preferences", data: { key: "receivedDocumentsPath", value: "relative/${nope}" } });
  out.prefsAfter = await call({ url: API10 + "/preferences" });
  out.patch = await call({ method: "patch", url: DOCUMENTS + "/images/kaleido-logo.png" });
  out.sync = await call({ method: "post", url: API10 + "/sync_hashes?reset=true" });
  out.del = await call({ method: "delete", url: DOCUMENTS + "/docs/notes.txt" });
  out.afterDelete = await call({ url: DOCUMENTS + "/docs/notes.txt" });
  out.missing = await call({ url: DOCUMENTS + "/no/such/file.txt" });
  out.unauthorized = await call({ url: DOCUMENTS + "/images", auth: { username: auth.username, password: "wrong" } });
  return out;
}

main().then(
  (out) => process.stdout.write(JSON.stringify(out)),
  (err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); },
);
