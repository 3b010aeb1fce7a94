// Drives the Consign console's sign-in in headless Chromium
// (playwright-core), finding elements by role and accessible name, and
// prints what it saw as JSON for web/browser_test.go to check.
//
// Environment: CONSIGN_URL, CONSIGN_USER, CONSIGN_PASS, CONSIGN_CHROMIUM,
// CONSIGN_USER_DATA_DIR (fresh, per run).
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

// axe-core's browser build, evaluated in the page through the DevTools
// protocol (the console's CSP allows no injected script tag).
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// axe checks the page with axe-core and keeps its serious and critical
// violations in out.axe[name].
async function axe(page, out, name) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  out.axe[name] = res.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => v.impact + " " + v.id + ": " + v.help + " (" + v.nodes.length + "×, e.g. " + v.nodes[0].target.join(" ") + ")");
}

const flags = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-sync",
];
const T = { timeout: 30000 };

async function signIn(page, user, pass) {
  await page.getByRole("textbox", { name: "User" }).fill(user);
  await page.getByLabel("Password").fill(pass);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function alertText(page) {
  const a = page.getByRole("alert");
  await a.waitFor(T);
  return a.innerText();
}

(async () => {
  const url = process.env.CONSIGN_URL;
  const ctx = await chromium.launchPersistentContext(path.join(process.env.CONSIGN_USER_DATA_DIR, "p"), {
    executablePath: process.env.CONSIGN_CHROMIUM, headless: true, args: flags,
  });
  const out = { consoleErrors: [], dialogs: 0, axe: {} };
  try {
    const page = await ctx.newPage();
    page.on("console", (m) => { if (m.type() === "error") out.consoleErrors.push(m.text()); });
    page.on("pageerror", (e) => out.consoleErrors.push(String(e)));
    page.on("dialog", (d) => { out.dialogs += 1; d.dismiss(); });
    const res = await page.goto(url + "/");
    out.pageStatus = res.status();
    out.csp = res.headers()["content-security-policy"] || "";
    await page.getByRole("heading", { name: "Sign in to Consign" }).waitFor(T);

    await signIn(page, process.env.CONSIGN_USER, process.env.CONSIGN_PASS + "x");
    out.wrongPassword = await alertText(page);

    await signIn(page, process.env.CONSIGN_USER, process.env.CONSIGN_PASS);
    const nav = page.getByRole("navigation", { name: "Console" });
    await nav.getByRole("link", { name: "Documents", exact: true }).waitFor(T);
    out.nav = await nav.getByRole("link").allInnerTexts();
    out.who = await page.locator(".who").innerText();
    await page.getByRole("status").filter({ hasText: "Live: connected" }).waitFor(T);
    await nav.getByRole("link", { name: "Logs", exact: true }).click();
    await page.getByRole("heading", { name: "Logs", level: 1 }).waitFor(T);
    const events = page.getByRole("list", { name: "Events" }).getByRole("listitem");
    await events.filter({ hasText: "console sign-in with credential " + process.env.CONSIGN_USER }).waitFor(T);
    // A program's use of the credential arrives live, over the socket.
    const basic = "Basic " + Buffer.from(process.env.CONSIGN_USER + ":" + process.env.CONSIGN_PASS).toString("base64");
    await fetch(url + "/api/v1/logs", { headers: { Authorization: basic } });
    const used = events.filter({ hasText: "used by a program: GET /api/v1/logs" });
    await used.waitFor(T);
    out.event = await used.innerText();
    await page.getByRole("combobox", { name: "Kind" }).selectOption("session");
    await used.waitFor({ state: "detached", timeout: 30000 });
    out.sessionOnly = await events.allInnerTexts();

    // The address book flags a proof whose claimed organization no issuer names.
    await nav.getByRole("link", { name: "Address book", exact: true }).click();
    out.forged = await page.getByLabel("Identity warning: mallory").innerText();
    out.genuine = await page.getByLabel("Identity verified: org1").innerText();
    out.selfSigned = await page.getByLabel("Identity warning: selfie").innerText();

    // Documents: the folder tree, empty folders created for real.
    await nav.getByRole("link", { name: "Documents", exact: true }).click();
    const tree = page.getByRole("tree", { name: "Folders" });
    const item = (name) => tree.getByRole("treeitem", { name, exact: true });
    await item("big").waitFor(T);
    const folderName = page.getByRole("textbox", { name: "New folder name" });
    await folderName.fill("reports");
    await page.getByRole("button", { name: "Create folder" }).click();
    await page.getByRole("status").filter({ hasText: "Created the folder /reports." }).waitFor(T);
    await folderName.fill("q1");
    await page.getByRole("button", { name: "Create folder" }).click();
    await page.getByRole("status").filter({ hasText: "Created the folder /reports/q1." }).waitFor(T);
    await item("q1").waitFor(T);
    // By keyboard: from q1, Left goes to its parent, Enter opens it.
    await item("q1").focus();
    await page.keyboard.press("ArrowLeft");
    await page.waitForFunction(() => document.activeElement && document.activeElement.dataset.path === "/reports");
    await page.keyboard.press("Enter");
    await page.getByRole("table", { name: "Contents of /reports" }).getByRole("rowheader", { name: "q1/" }).waitFor(T);
    await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute("role") === "treeitem");
    out.focusAfter = await page.evaluate(() => document.activeElement.dataset.path);
    await axe(page, out, "documents-tree-keyboard");
    // Up and Down walk the visible folders; Right expands big.
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowDown");
    await page.waitForFunction(() => document.activeElement.dataset.path === "/big");
    await page.keyboard.press("ArrowRight");
    await item("zz-sub").waitFor(T);
    out.tree = await tree.getByRole("treeitem").evaluateAll((els) => els.map((e) => e.querySelector(".label").textContent));
    await folderName.fill("q1");
    await page.getByRole("button", { name: "Create folder" }).click();
    const dup = page.getByRole("alert").filter({ hasText: "Cannot create the folder /reports/q1" });
    await dup.waitFor(T);
    out.duplicate = await dup.innerText();
    // The empty folder is on the server: a reload still shows it.
    await page.reload();
    const reportsTable = page.getByRole("table", { name: "Contents of /reports" });
    await reportsTable.getByRole("rowheader", { name: "q1/" }).waitFor(T);
    out.afterReloadListing = await reportsTable.getByRole("rowheader").allInnerTexts();
    await item("q1").click();
    await page.getByRole("navigation", { name: "Folder path" }).getByText("q1").waitFor(T);
    await page.getByText("The folder /reports/q1 is empty").waitFor(T);
    out.emptyFolder = await page.locator(".empty").innerText();
    await axe(page, out, "documents");
    await page.getByRole("navigation", { name: "Folder path" }).getByRole("link", { name: "reports" }).click();
    await page.getByRole("button", { name: "Delete folder q1" }).click();
    await page.getByRole("dialog", { name: "Delete q1?" }).getByRole("button", { name: "Delete" }).click();
    await page.getByRole("status").filter({ hasText: "Deleted /reports/q1." }).waitFor(T);
    await item("q1").waitFor({ state: "detached", timeout: 30000 });
    await item("reports").waitFor(T);
    out.treeAfterDelete = await tree.getByRole("treeitem").evaluateAll((els) => els.map((e) => e.querySelector(".label").textContent));

    // Pagination of a folder of 2000 documents (and a sub-folder).
    const pageInfo = async (first) => {
      const pager = page.getByRole("navigation", { name: "Pages" });
      await pager.getByText(first).waitFor(T);
      const t = page.getByRole("table", { name: "Contents of /big" });
      return (await pager.locator("span").innerText()) + " " + (await t.getByRole("rowheader").first().innerText());
    };
    await item("big").click();
    out.pages = [await pageInfo("Entries 1–50")];
    await page.getByRole("link", { name: "Next page" }).click();
    out.pages.push(await pageInfo("Entries 51–100"));
    await page.goto(url + "/#/documents?path=/big&offset=1950");
    out.pages.push(await pageInfo("Entries 1951–2000"));
    await page.getByRole("link", { name: "Next page" }).click();
    out.pages.push(await pageInfo("Entries 2001–2001"));
    out.lastHasNext = await page.getByRole("link", { name: "Next page" }).count();

    // Registry: the recent pins of my transfers, newest first.
    await nav.getByRole("link", { name: "Registry", exact: true }).click();
    const pins = page.getByRole("table", { name: "Recent pins" });
    await pins.getByRole("row").filter({ hasText: "block" }).or(pins.getByRole("row").filter({ hasText: "0xabab" })).first().waitFor(T);
    out.pins = await pins.locator("tbody tr").allInnerTexts();
    out.chain = await page.getByRole("list", { name: "Identity proof chain of mallory" }).getByRole("listitem").allInnerTexts();
    await axe(page, out, "registry");

    // Transfers: filter by destination, then by status.
    await nav.getByRole("link", { name: "Transfers", exact: true }).click();
    const log = page.getByRole("table", { name: "Transfer log" });
    await log.getByRole("rowheader", { name: "/big/doc-0003.txt" }).waitFor(T);
    out.allTransfers = await log.locator("tbody tr").count();
    await page.getByRole("combobox", { name: "Destination" }).selectOption("kld://documentstore/m/org2/e/env-a/s/ds/d/docs");
    await log.getByRole("rowheader", { name: "/big/doc-0002.txt" }).waitFor({ state: "detached", timeout: 30000 });
    await log.getByRole("row").filter({ hasText: "block 42" }).waitFor(T);
    out.toOrg2 = await log.locator("tbody tr").allInnerTexts();
    await page.getByRole("combobox", { name: "Destination" }).selectOption("kld://documentstore/m/org3/e/env-a/s/ds/d/in");
    await page.getByRole("combobox", { name: "Status" }).selectOption("failed");
    await log.getByRole("rowheader", { name: "/big/doc-0002.txt" }).waitFor({ state: "detached", timeout: 30000 });
    await log.getByRole("rowheader", { name: "/big/doc-0003.txt" }).waitFor(T);
    out.failedToOrg3 = await log.locator("tbody tr").allInnerTexts();
    await axe(page, out, "transfers");

    // A reload keeps the session (the cookie), and the page finds it.
    await page.reload();
    await nav.getByRole("link", { name: "Documents", exact: true }).waitFor(T);
    out.afterReload = true;

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Consign" }).waitFor(T);
    out.sessionAfterSignOut = await page.evaluate(async () => (await (await fetch("/console/session")).json()).signed_in);
    out.apiAfterSignOut = await page.evaluate(async () => (await fetch("/api/v1/transfers", { headers: { "X-CSRF-Token": "" } })).status);

    // Two more wrong passwords exhaust the test node's burst of 3; the
    // next attempt is refused for the rate limit, in words.
    await signIn(page, process.env.CONSIGN_USER, "wrong");
    await page.getByRole("alert").filter({ hasText: "Sign-in refused" }).waitFor(T);
    await signIn(page, process.env.CONSIGN_USER, "wrong again");
    await page.getByRole("alert").filter({ hasText: "Sign-in refused" }).waitFor(T);
    await signIn(page, process.env.CONSIGN_USER, process.env.CONSIGN_PASS);
    const limited = page.getByRole("alert").filter({ hasText: "Too many" });
    await limited.waitFor(T);
    out.rateLimited = await limited.innerText();
  } finally {
    await ctx.close();
  }
  process.stdout.write(JSON.stringify(out) + "\n");
})().catch((e) => { console.error(e); process.exit(1); });
