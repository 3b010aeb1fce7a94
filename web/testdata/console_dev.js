// Drives the Consign console of a running `consign dev` in headless
// Chromium (playwright-core) as two demo members, A and B, in two browser
// contexts, finding elements by role and accessible name and waiting for
// conditions, never for time. Prints what it saw as JSON for
// cmd/consign/console_test.go to check.
//
// Environment: CONSIGN_URL, CONSIGN_USER_A, CONSIGN_PASS_A, CONSIGN_USER_B,
// CONSIGN_PASS_B, CONSIGN_MEMBER_B, CONSIGN_CHROMIUM, CONSIGN_USER_DATA_DIR,
// CONSIGN_BIG_FILE (optional: a file uploaded while the JS heap is watched).
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { chromium } = require("playwright-core");

const flags = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-sync",
];
const T = { timeout: 60000 };
const url = process.env.CONSIGN_URL;
const dataDir = process.env.CONSIGN_USER_DATA_DIR;
const out = { steps: [], consoleErrors: [], failed: [] };

function step(name) { out.steps.push(name); }

// axe-core's browser build, evaluated in each checked page through the
// DevTools protocol (the console's CSP allows no injected script tag).
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
out.axe = {};

// shot checks the view on page with axe-core, keeping its serious and
// critical violations in out.axe[name], and writes a screenshot as
// CONSIGN_SCREENSHOTS/<name>.png when that directory is given (make
// screenshots).
async function shot(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  out.axe[name] = res.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => v.impact + " " + v.id + ": " + v.help + " (" + v.nodes.length + "×, e.g. " + v.nodes[0].target.join(" ") + ")");
  const dir = process.env.CONSIGN_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name + ".png"), fullPage: true });
}

async function launch(dir) {
  return chromium.launchPersistentContext(path.join(dataDir, dir), {
    executablePath: process.env.CONSIGN_CHROMIUM, headless: true, args: flags,
    viewport: { width: 1280, height: 900 },
  });
}

async function openPage(ctx, who) {
  const page = await ctx.newPage();
  page.on("console", (m) => { if (m.type() === "error") out.consoleErrors.push(who + ": " + m.text()); });
  page.on("pageerror", (e) => out.consoleErrors.push(who + ": " + String(e)));
  page.on("response", (r) => { if (r.status() >= 400) out.failed.push(who + " " + r.request().method() + " " + r.url().replace(url, "") + " " + r.status()); });
  return page;
}

async function signIn(page, user, pass) {
  await page.goto(url + "/");
  await page.getByRole("textbox", { name: "User" }).fill(user);
  await page.getByLabel("Password").fill(pass);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("status").filter({ hasText: "Live: connected" }).waitFor(T);
}

function nav(page, name) {
  return page.getByRole("navigation", { name: "Console" }).getByRole("link", { name, exact: true }).click();
}

// selectByText picks the option of select whose text starts with prefix.
async function selectByText(select, prefix) {
  const value = await select.evaluate((s, p) => {
    const o = [...s.options].find((x) => x.textContent.startsWith(p));
    return o ? o.value : null;
  }, prefix);
  if (!value) throw new Error("no option starting with " + prefix);
  await select.selectOption(value);
  return value;
}

async function waitUploaded(page, name) {
  const bar = page.getByRole("progressbar", { name: "Upload of " + name });
  await page.getByRole("list", { name: "Uploads" }).getByRole("listitem").filter({ hasText: name }).filter({ hasText: "uploaded" }).waitFor(T);
  return bar.evaluate((b) => b.value);
}

(async () => {
  const ctxA = await launch("a");
  const ctxB = await launch("b");
  try {
    const a = await openPage(ctxA, "A");
    await a.goto(url + "/");
    await a.getByRole("heading", { name: "Sign in to Consign" }).waitFor(T);
    await shot(a, "sign-in");
    await signIn(a, process.env.CONSIGN_USER_A, process.env.CONSIGN_PASS_A);
    step("signed in as A");

    // Pagination: 120 documents, 50 a page.
    await a.goto(url + "/#/documents?path=/many");
    const pageInfo = async () => {
      const t = a.getByRole("table", { name: "Contents of /many" });
      await t.waitFor(T);
      const first = await t.getByRole("rowheader").first().innerText();
      return (await a.getByRole("navigation", { name: "Pages" }).locator("span").innerText()) + " " + first;
    };
    out.pages = [await pageInfo()];
    await a.getByRole("link", { name: "Next page" }).click();
    await a.getByRole("navigation", { name: "Pages" }).getByText("Entries 51–100").waitFor(T);
    out.pages.push(await pageInfo());
    await a.getByRole("link", { name: "Next page" }).click();
    await a.getByRole("navigation", { name: "Pages" }).getByText("Entries 101–120").waitFor(T);
    out.pages.push(await pageInfo());
    out.lastHasNext = await a.getByRole("link", { name: "Next page" }).count();
    await a.getByRole("link", { name: "Previous page" }).click();
    await a.getByRole("navigation", { name: "Pages" }).getByText("Entries 51–100").waitFor(T);
    step("paged through 120 documents");

    // Documents: create a folder, then upload into it.
    await nav(a, "Documents");
    await a.getByRole("textbox", { name: "New folder name" }).fill("reports");
    await a.getByRole("button", { name: "Create folder" }).click();
    await a.getByRole("navigation", { name: "Folder path" }).getByText("reports").waitFor(T);
    out.emptyFolder = await a.locator(".empty").innerText();
    await a.getByRole("tree", { name: "Folders" }).getByRole("treeitem", { name: "reports", exact: true }).waitFor(T);
    step("folder created");

    await a.getByLabel("Choose files to upload").setInputFiles([
      { name: "alpha.txt", mimeType: "text/plain", buffer: Buffer.from("alpha contract\n".repeat(1000)) },
      { name: "beta.txt", mimeType: "text/plain", buffer: Buffer.from("beta memo\n") },
    ]);
    out.progress = { alpha: await waitUploaded(a, "alpha.txt"), beta: await waitUploaded(a, "beta.txt") };
    step("two files uploaded by the picker");

    const dt = await a.evaluateHandle(() => {
      const d = new DataTransfer();
      d.items.add(new File(["gamma dropped\n"], "gamma.txt", { type: "text/plain" }));
      return d;
    });
    await a.getByRole("region", { name: "Drop files here to upload" }).dispatchEvent("drop", { dataTransfer: dt });
    out.progress.gamma = await waitUploaded(a, "gamma.txt");
    step("one file uploaded by drop");

    const table = a.getByRole("table", { name: "Contents of /reports" });
    await table.getByRole("rowheader", { name: "gamma.txt" }).waitFor(T);
    out.listing = await table.getByRole("rowheader").allInnerTexts();
    const alphaRow = table.getByRole("row").filter({ has: a.getByRole("rowheader", { name: "alpha.txt" }) });
    out.alphaHash = await alphaRow.locator("code[data-value]").getAttribute("data-value");
    await shot(a, "documents");
    step("listing with hashes");

    // Search by name and by hash.
    await nav(a, "Search");
    await a.getByRole("searchbox", { name: "Search for" }).fill("alpha");
    await a.getByRole("button", { name: "Search", exact: true }).click();
    await a.getByRole("table", { name: "Search results" }).getByRole("link", { name: "/reports/alpha.txt", exact: true }).waitFor(T);
    // Leave and come back, so that the results table waited for next can
    // only be the hash search's (the name search's shows the same link).
    await nav(a, "Documents");
    await nav(a, "Search");
    await a.getByText("Type a name (or a hash with By hash checked) and press Search.").waitFor(T);
    await a.getByRole("searchbox", { name: "Search for" }).fill(out.alphaHash);
    await a.getByRole("checkbox", { name: "By hash (SHA-256 hex)" }).check();
    await a.getByRole("button", { name: "Search", exact: true }).click();
    await a.getByRole("table", { name: "Search results" }).getByRole("link", { name: "/reports/alpha.txt", exact: true }).waitFor(T);
    out.searchByHash = await a.getByRole("table", { name: "Search results" }).getByRole("rowheader").allInnerTexts();
    await shot(a, "search");
    await a.getByRole("table", { name: "Search results" }).getByRole("link", { name: "/reports/alpha.txt", exact: true }).click();
    await a.getByRole("table", { name: "Contents of /reports" }).waitFor(T);
    step("searched by name and by hash");

    // Delete with confirmation.
    await a.getByRole("button", { name: "Delete gamma.txt" }).click();
    await a.getByRole("dialog", { name: "Delete gamma.txt?" }).getByRole("button", { name: "Delete" }).click();
    await a.getByRole("status").filter({ hasText: "Deleted /reports/gamma.txt" }).waitFor(T);
    await a.getByRole("table", { name: "Contents of /reports" }).getByRole("rowheader", { name: "gamma.txt" }).waitFor({ state: "detached", timeout: 60000 });
    await a.getByRole("table", { name: "Contents of /reports" }).getByRole("rowheader", { name: "beta.txt" }).waitFor(T);
    out.afterDelete = await a.getByRole("table", { name: "Contents of /reports" }).getByRole("rowheader").allInnerTexts();
    step("deleted with confirmation");

    // B watches its Transfers and its received folder; A watches its Transfers.
    const b = await openPage(ctxB, "B");
    await signIn(b, process.env.CONSIGN_USER_B, process.env.CONSIGN_PASS_B);
    await nav(b, "Transfers");
    await b.getByText("No transfers yet").waitFor(T);
    const b2 = await openPage(ctxB, "B2");
    const received = "/received/" + process.env.CONSIGN_MEMBER_A + "/docs"; // the default template names the sender
    await b2.goto(url + "/#/documents?path=" + received);
    await b2.getByRole("status").filter({ hasText: "Live: connected" }).waitFor(T);
    await b2.locator(".empty").waitFor(T);
    const a2 = await openPage(ctxA, "A2");
    await a2.goto(url + "/#/transfers");
    await a2.getByRole("status").filter({ hasText: "Live: connected" }).waitFor(T);
    await a2.getByText("No transfers yet").waitFor(T);
    step("B signed in; both watch");

    await a.getByRole("button", { name: "Transfer alpha.txt" }).click();
    const dlg = a.getByRole("dialog", { name: "Transfer /reports/alpha.txt" });
    await selectByText(dlg.getByRole("combobox", { name: "From (my destination)" }), "docs");
    out.to = await selectByText(dlg.getByRole("combobox", { name: "To (address book)" }), process.env.CONSIGN_MEMBER_B + " · docs");
    await shot(a, "transfer-dialog");
    await dlg.getByRole("button", { name: "Send document" }).click();
    await dlg.getByRole("status").filter({ hasText: "Document sent." }).waitFor(T);
    await dlg.getByRole("button", { name: "Close" }).click();
    step("transfer sent");

    const bRow = b.getByRole("table", { name: "Transfer log" }).getByRole("row").filter({ hasText: "alpha.txt" });
    await bRow.waitFor(T);
    out.bTransfer = await bRow.getAttribute("data-status");
    await b2.getByRole("table", { name: "Contents of " + received }).getByRole("rowheader", { name: "alpha.txt" }).waitFor(T);
    step("B saw it arrive in Transfers and Documents without reload");
    const aRow = a2.getByRole("table", { name: "Transfer log" }).locator('tr[data-status="received"]').filter({ hasText: "/reports/alpha.txt" });
    await aRow.waitFor(T);
    out.aRecipientSignature = await aRow.locator("td").nth(7).locator("code").getAttribute("data-value");
    // The pin shows unasked; a lookup made before the chain had it
    // offers to look again.
    const pinned = aRow.getByText(/block \d+/);
    await pinned.or(aRow.getByText("not pinned (yet)")).first().waitFor(T);
    if (!(await pinned.count())) await aRow.getByRole("button", { name: /Look up the pin/ }).click();
    await pinned.waitFor(T);
    await shot(a2, "transfers");
    step("A's row turned received live, pinned");

    // Filter: failed shows none.
    await a2.getByRole("combobox", { name: "Status" }).selectOption("failed");
    await a2.getByText("No transfer matches this filter").waitFor(T);
    await a2.getByRole("combobox", { name: "Status" }).selectOption("all");
    step("filter");

    // Destinations: managed and external, with the certificate published.
    await nav(a, "Destinations");
    await a.getByRole("table", { name: "My destinations" }).waitFor(T);
    await a.getByRole("textbox", { name: "Name" }).fill("console-m");
    await a.getByRole("button", { name: "Create destination" }).click();
    await a.getByRole("status").filter({ hasText: "Created managed destination console-m" }).waitFor(T);
    await a.getByRole("table", { name: "My destinations" }).getByRole("rowheader", { name: "console-m" }).waitFor(T);
    await a.getByRole("textbox", { name: "Name" }).fill("console-x");
    await a.getByRole("checkbox", { name: "Externally managed (I keep the key)" }).check();
    await a.getByRole("button", { name: "Create destination" }).click();
    const cmd = await a.getByLabel("openssl command", { exact: true }).innerText();
    await shot(a, "destinations");
    out.requiredCN = await a.getByLabel("Required CN", { exact: true }).innerText();
    out.opensslCommand = cmd;
    const work = fs.mkdtempSync(path.join(dataDir, "cert-"));
    const args = cmd.trim().split(/\s+/).slice(1);
    execFileSync("openssl", args, { cwd: work, stdio: "ignore" });
    await a.getByRole("button", { name: "Upload certificate for console-x" }).click();
    const cdlg = a.getByRole("dialog", { name: "Upload certificate for console-x" });
    await cdlg.getByLabel("Certificate file (PEM)").setInputFiles(path.join(work, "cert.pem"));
    await cdlg.getByRole("button", { name: "Publish certificate" }).click();
    await cdlg.getByRole("status").filter({ hasText: "Published" }).waitFor(T);
    await cdlg.getByRole("button", { name: "Close" }).click();
    step("managed and external destinations");
    await a.getByRole("button", { name: "Delete destination console-m" }).click();
    await a.getByRole("dialog", { name: "Delete console-m?" }).getByRole("button", { name: "Delete" }).click();
    await a.getByRole("status").filter({ hasText: "Deleted console-m" }).waitFor(T);
    out.destinations = await a.getByRole("table", { name: "My destinations" }).getByRole("rowheader").allInnerTexts();
    out.externalRow = await a.getByRole("table", { name: "My destinations" }).getByRole("row").filter({ has: a.getByRole("rowheader", { name: "console-x" }) }).innerText();
    step("destination deleted");

    // Messages: B subscribes (manual commit), A sends, B sees it live.
    await nav(b, "Messages");
    await b.getByRole("checkbox", { name: "Manual commit (messages are delivered again after a reconnect until committed)" }).check();
    await b.getByRole("button", { name: "Subscribe" }).click();
    await b.getByRole("status").filter({ hasText: "Subscribed." }).waitFor(T);
    await nav(a, "Messages");
    await selectByText(a.getByRole("combobox", { name: "From (my destination)" }), "app");
    await selectByText(a.getByRole("combobox", { name: "To" }), process.env.CONSIGN_MEMBER_B + " · app");
    await a.getByRole("textbox", { name: "Content" }).fill("hello from the console");
    await a.getByRole("button", { name: "Send message" }).click();
    await a.getByRole("list", { name: "Delivery reports" }).getByText("Delivered: key console").waitFor(T);
    await b.getByRole("list", { name: "Received messages" }).getByText("hello from the console").waitFor(T);
    await shot(b, "messages");
    await b.getByRole("button", { name: /^Commit/ }).click();
    await b.getByRole("status").filter({ hasText: "Committed" }).waitFor(T);
    step("message sent, received live, committed");

    // Address book, Registry, API, Preferences, Logs.
    await nav(a, "Address book");
    await a.getByRole("heading", { name: process.env.CONSIGN_MEMBER_B }).waitFor(T);
    out.addressBook = await a.getByRole("heading", { level: 2 }).allInnerTexts();
    out.identityNote = await a.getByLabel("Identity warning: " + process.env.CONSIGN_MEMBER_B).innerText();
    await shot(a, "address-book");
    await nav(a, "Registry");
    await a.getByRole("region", { name: "Member " + process.env.CONSIGN_MEMBER_B }).waitFor(T);
    out.chainB = await a.getByRole("list", { name: "Identity proof chain of " + process.env.CONSIGN_MEMBER_B }).innerText();
    const pinRow = a.getByRole("table", { name: "Recent pins" }).getByRole("row").filter({ hasText: "/reports/alpha.txt" });
    await pinRow.waitFor(T);
    out.recentPin = await pinRow.innerText();
    await a.getByRole("textbox", { name: "Hash (SHA-256 hex)" }).fill("0".repeat(64));
    await a.getByRole("button", { name: "Look up pin" }).click();
    await a.getByText("This hash is not pinned on the chain.").waitFor(T);
    await shot(a, "registry");
    await nav(a, "API");
    await a.getByRole("heading", { name: "API", level: 1 }).waitFor(T);
    out.apiText = await a.getByRole("main").innerText();
    await a.getByRole("table", { name: "Credentials" }).waitFor(T);
    await a.getByRole("button", { name: "Create credential" }).click();
    const newUser = await a.getByLabel("New user", { exact: true }).innerText();
    const newPass = await a.getByLabel("New password", { exact: true }).innerText();
    const basic = "Basic " + Buffer.from(newUser + ":" + newPass).toString("base64");
    out.newCredentialStatus = (await fetch(url + "/api/v1/transfers", { headers: { Authorization: basic } })).status;
    await a.getByRole("table", { name: "Credentials" }).getByRole("rowheader", { name: newUser }).waitFor(T);
    await a.getByRole("button", { name: "Revoke " + newUser }).click();
    await a.getByRole("dialog", { name: "Revoke " + newUser + "?" }).getByRole("button", { name: "Revoke" }).click();
    await a.getByRole("status").filter({ hasText: "Revoked " + newUser }).waitFor(T);
    out.revokedCredentialStatus = (await fetch(url + "/api/v1/transfers", { headers: { Authorization: basic } })).status;
    await shot(a, "api");
    await nav(a, "Preferences");
    const tpl = a.getByRole("textbox", { name: "Received documents path" });
    await a.locator("output").filter({ hasText: "/received/acme/inbox/contract.pdf" }).waitFor(T);
    await tpl.fill("/inbox/${sender_org}");
    out.preview = await a.locator("output").innerText();
    await shot(a, "preferences");
    await a.getByRole("button", { name: "Save preferences" }).click();
    await a.getByRole("status").filter({ hasText: "Saved" }).waitFor(T);
    await nav(a, "Logs");
    await a.getByRole("list", { name: "Events" }).getByRole("listitem").filter({ hasText: "document_sent: /reports/alpha.txt" }).first().waitFor(T);
    await shot(a, "logs");
    await a.setViewportSize({ width: 390, height: 844 });
    await nav(a, "Documents");
    await a.getByRole("region", { name: "Drop files here to upload" }).waitFor(T);
    await shot(a, "documents-phone");
    await a.setViewportSize({ width: 1280, height: 900 });
    step("other views");

    if (process.env.CONSIGN_BIG_FILE) {
      await nav(a, "Documents");
      await a.getByRole("region", { name: "Drop files here to upload" }).waitFor(T);
      const cdp = await ctxA.newCDPSession(a);
      await cdp.send("HeapProfiler.collectGarbage");
      const before = (await cdp.send("Runtime.getHeapUsage")).usedSize;
      let peak = before;
      let watching = true;
      const watch = (async () => {
        while (watching) {
          const u = (await cdp.send("Runtime.getHeapUsage")).usedSize;
          if (u > peak) peak = u;
          await a.waitForTimeout(200); // sampling interval of the heap watch, not a wait for a condition
        }
      })();
      const name = path.basename(process.env.CONSIGN_BIG_FILE);
      const t0 = Date.now();
      await a.getByLabel("Choose files to upload").setInputFiles(process.env.CONSIGN_BIG_FILE);
      out.bigProgress = await waitUploaded(a, name);
      out.bigSeconds = (Date.now() - t0) / 1000;
      watching = false;
      await watch;
      out.heapBefore = before;
      out.heapPeak = peak;
      step("big upload");
    }
  } catch (e) {
    out.error = String(e && e.stack ? e.stack : e);
    out.pages = [];
    for (const p of [...ctxA.pages(), ...ctxB.pages()]) {
      out.pages.push(p.url() + "\n" + (await p.locator("body").innerText().catch(() => "")).slice(0, 3000));
    }
  } finally {
    await ctxA.close();
    await ctxB.close();
  }
  process.stdout.write(JSON.stringify(out) + "\n");
})().catch((e) => { console.error(e); process.exit(1); });
