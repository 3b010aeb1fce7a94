// Loads the Consign console in headless Chromium (playwright-core) and
// prints, as JSON, the events the page showed, for
// web/browser_test.go to check.
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

async function run(ctx, query) {
  const page = await ctx.newPage();
  const out = { query };
  const bundle = [];
  page.on("response", (r) => { if (r.url().includes("/socket.io/socket.io.min.js")) bundle.push(r.status()); });
  const res = await page.goto(process.env.CONSIGN_URL + "/" + query);
  out.pageStatus = res.status();
  await page.waitForSelector('#events li[data-event="document_received"]', { timeout: 20000 });
  out.status = await page.textContent("#status");
  out.events = await page.$$eval("#events li", (lis) => lis.map((li) => ({ event: li.dataset.event, text: li.textContent })));
  out.bundle = bundle;
  out.connected = await page.evaluate(() => window.consignSocket.connected);
  // The page's CSP allows no inline script: one added to the page must
  // not run, and the browser reports the violation.
  out.inline = await page.evaluate(() => new Promise((resolve) => {
    document.addEventListener("securitypolicyviolation",
      (e) => resolve({ ran: window.inlineRan === true, directive: e.effectiveDirective }), { once: true });
    const s = document.createElement("script");
    s.textContent = "window.inlineRan = true;";
    document.body.appendChild(s);
  }));
  await page.close();
  return out;
}

(async () => {
  const base = process.env.CONSIGN_USER_DATA_DIR;
  const launch = (dir, creds) => chromium.launchPersistentContext(path.join(base, dir), {
    executablePath: process.env.CONSIGN_CHROMIUM,
    headless: true,
    args: flags,
    httpCredentials: creds,
  });
  const result = {};

  const anon = await launch("anon");
  const page = await anon.newPage();
  // Without credentials Chromium gets the 401 challenge, has nothing to
  // answer with, and fails the navigation.
  try {
    const res = await page.goto(process.env.CONSIGN_URL + "/");
    result.anonymous = "status " + res.status();
  } catch (e) {
    result.anonymous = String(e.message).split("\n")[0];
  }
  await anon.close();

  const ctx = await launch("user", { username: process.env.CONSIGN_USER, password: process.env.CONSIGN_PASS });
  try {
    result.runs = [await run(ctx, ""), await run(ctx, "?transport=websocket")];
  } finally {
    await ctx.close();
  }
  process.stdout.write(JSON.stringify(result) + "\n");
})().catch((e) => { console.error(e); process.exit(1); });
