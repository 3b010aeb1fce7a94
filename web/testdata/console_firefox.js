// Drives the Consign console in headless Firefox (Debian's firefox-esr)
// with puppeteer-core over WebDriver BiDi, finding elements by role and
// accessible name, and prints what it saw as JSON for
// web/browser_test.go (TestConsoleInFirefox) to check.
//
// Environment: CONSIGN_URL, CONSIGN_USER, CONSIGN_PASS, CONSIGN_FIREFOX,
// CONSIGN_USER_DATA_DIR (fresh, per run), CONSIGN_UPLOAD_FILE (a file to
// upload through the file input).
"use strict";
const path = require("path");
const puppeteer = require("puppeteer-core");

const T = { timeout: 30000 };
const nav = ["Documents", "Search", "Destinations", "Address book", "Transfers", "Messages", "Registry", "API", "Logs", "Preferences"];

// aria is a selector for the element of the given role and exact
// accessible name (the accessibility tree Firefox itself computes).
function aria(role, name) {
  return "::-p-aria([name=" + JSON.stringify(name) + "][role=" + JSON.stringify(role) + "])";
}

// waitText waits until the element of sel under scope holds text.
async function waitText(scope, sel, text) {
  const page = scope.page ? scope.page() : scope;
  const el = await scope.waitForSelector(sel, T);
  await page.waitForFunction((e, t) => e.textContent.includes(t), T, el, text);
  return el;
}

// byLabel finds the form control whose accessible name (its label) is
// name, like playwright's getByLabel: Firefox's accessibility tree gives a
// password field and a file input no textbox role, and names their
// labels too, so the control is the one a matching label labels, or a
// matching element that is itself a control.
async function byLabel(scope, name) {
  const sel = "::-p-aria(" + JSON.stringify(name) + ")";
  await scope.waitForSelector(sel, T);
  for (const el of await scope.$$(sel)) {
    const control = await el.evaluateHandle((e) => (e.tagName === "LABEL" ? e.control : e.labels && e.labels.length ? e : null));
    if (await control.evaluate((c) => c !== null)) return control;
  }
  throw new Error("no form control labelled " + name);
}

const innerText = (el) => el.evaluate((e) => e.innerText);

(async () => {
  const url = process.env.CONSIGN_URL;
  const upload = process.env.CONSIGN_UPLOAD_FILE;
  const uploadName = path.basename(upload);
  const browser = await puppeteer.launch({
    browser: "firefox", executablePath: process.env.CONSIGN_FIREFOX, headless: true,
    userDataDir: path.join(process.env.CONSIGN_USER_DATA_DIR, "p"),
    extraPrefsFirefox: { "browser.shell.checkDefaultBrowser": false, "datareporting.policy.dataSubmissionEnabled": false },
  });
  const out = { consoleErrors: [], probeErrors: [], dialogs: 0, views: {}, steps: [] };
  let probing = false;
  let cspLogged;
  const cspLog = new Promise((resolve) => { cspLogged = resolve; });
  const step = (s) => out.steps.push(s);
  try {
    out.browser = await browser.version();
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const onError = (text) => {
      (probing ? out.probeErrors : out.consoleErrors).push(text);
      if (probing && text.includes("Content-Security-Policy")) cspLogged();
    };
    page.on("console", (m) => { if (m.type() === "error") onError(m.text()); });
    page.on("pageerror", (e) => onError(String(e)));
    page.on("dialog", (d) => { out.dialogs += 1; d.dismiss(); });
    // Firefox reports a CSP violation twice: as an error in the page's log
    // (which WebDriver BiDi forwards as a page error) and as a
    // securitypolicyviolation event,
    // caught by a listener installed before the console's scripts run.
    await page.evaluateOnNewDocument(() => {
      window.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
      });
    });

    const res = await page.goto(url + "/");
    out.pageStatus = res.status();
    out.csp = res.headers()["content-security-policy"] || "";
    await page.waitForSelector(aria("heading", "Sign in to Consign"), T);
    await (await page.waitForSelector(aria("textbox", "User"), T)).type(process.env.CONSIGN_USER);
    await (await byLabel(page, "Password")).type(process.env.CONSIGN_PASS);
    await (await page.waitForSelector(aria("button", "Sign in"), T)).click();
    const menu = await page.waitForSelector(aria("navigation", "Console"), T);
    await menu.waitForSelector(aria("link", "Documents"), T);
    out.who = await innerText(await page.waitForSelector(".who", T));
    await waitText(page, "[role=status]::-p-text(Live:)", "Live: connected");
    step("signed in");

    // Every navigation entry, by its role and name, opens its view.
    for (const name of nav) {
      await (await menu.waitForSelector(aria("link", name), T)).click();
      const h1 = await page.waitForSelector("main h1::-p-text(" + JSON.stringify(name) + ")", T);
      out.views[name] = {
        heading: await innerText(h1),
        current: await (await menu.waitForSelector(aria("link", name), T)).evaluate((a) => a.getAttribute("aria-current")),
        hash: await page.evaluate(() => location.hash),
      };
    }
    step("visited every view");

    // Upload through the file input, found by its label (shown as the button).
    await (await menu.waitForSelector(aria("link", "Documents"), T)).click();
    const drop = await page.waitForSelector(aria("region", "Drop files here to upload"), T);
    const input = await byLabel(drop, "Choose files to upload");
    out.input = await input.evaluate((i) => i.type + " " + [...i.labels].map((l) => l.textContent).join(" "));
    await input.uploadFile(upload);
    const uploads = await page.waitForSelector(aria("list", "Uploads"), T);
    const item = await uploads.waitForSelector("li ::-p-text(uploaded · 100%)", T);
    out.uploadItem = await innerText(await item.evaluateHandle((e) => e.closest("li")));
    const bar = await page.waitForSelector(aria("progressbar", "Upload of " + uploadName), T);
    out.progress = await bar.evaluate((b) => b.value);
    const table = await page.waitForSelector(aria("table", "Contents of /"), T);
    const rowHeader = await table.waitForSelector(aria("rowheader", uploadName), T);
    out.row = await innerText(await rowHeader.evaluateHandle((th) => th.closest("tr")));
    out.rowHash = await rowHeader.evaluate((th) => {
      const c = th.closest("tr").querySelector("code[data-value]");
      return c ? c.dataset.value : "";
    });
    step("uploaded " + uploadName);

    out.cspViolations = await page.evaluate(() => window.__cspViolations.slice());
    // The listener works: an inline script, which the policy forbids, is
    // reported (and what else Firefox says about it is kept apart).
    probing = true;
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__inlineRan = true";
      document.head.append(s);
    });
    await page.waitForFunction(() => window.__cspViolations.length > 0 || window.__inlineRan, T);
    out.cspProbe = await page.evaluate(() => ({ reported: window.__cspViolations.slice(), ran: !!window.__inlineRan }));
    let timer;
    await Promise.race([cspLog, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("no console error for the blocked inline script")), T.timeout); })]);
    clearTimeout(timer);
    step("checked the CSP listener");
  } catch (e) {
    out.error = String(e && e.stack || e);
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out) + "\n");
})().catch((e) => { console.error(e); process.exit(1); });
