// Drives the Consign console's sign-in in headless Chromium
// (playwright-core), finding elements by role and accessible name, and
// prints what it saw as JSON for web/browser_test.go to check.
//
// Environment: CONSIGN_URL, CONSIGN_USER, CONSIGN_PASS, CONSIGN_CHROMIUM,
// CONSIGN_USER_DATA_DIR (fresh, per run).
"use strict";
const path = require("path");
const { chromium } = require("playwright-core");

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
  const out = { consoleErrors: [], dialogs: 0 };
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
