// Drives Debian's chromium (never a downloaded browser) through the built docs site, once per test session.
// stdin: a job (see tests/docs/conftest.py); stdout: what the browser saw, as JSON. Assertions live in pytest.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

async function settledPaste(page) {
  await page.waitForFunction(() => {
    const status = document.getElementById("paste-status");
    return status && status.textContent && status.textContent !== "matching…";
  }, null, { timeout: 15000 });
  return page.evaluate(() => ({
    ids: [...document.querySelectorAll("#results > li")].map((li) => li.dataset.entryId),
    status: document.getElementById("paste-status").textContent,
    box: document.getElementById("paste").value,
    noMatchShown: !document.getElementById("no-match").hidden,
  }));
}

async function search(page, base, query) {
  await page.goto(base, { waitUntil: "load" });
  await page.click(".md-search__input");
  await page.keyboard.type(query, { delay: 5 });
  try {
    await page.waitForSelector(".md-search-result__item", { timeout: 10000 });
  } catch (_error) {
    return { query, hrefs: [], meta: await page.textContent(".md-search-result__meta").catch(() => "") };
  }
  // The list is replaced once per keystroke, asynchronously: read it until two reads agree.
  const read = () => page.$$eval(".md-search-result__item > .md-search-result__link", (links) => links.map((a) => a.href));
  let hrefs = await read();
  for (let tries = 0; tries < 20; tries++) {
    await page.waitForTimeout(400);
    const again = await read();
    if (JSON.stringify(again) === JSON.stringify(hrefs)) break;
    hrefs = again;
  }
  return { query, hrefs, meta: await page.textContent(".md-search-result__meta") };
}

async function main() {
  const job = JSON.parse(fs.readFileSync(0, "utf8"));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "peft-why-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: job.chromium,
    headless: true,
    args: FLAGS,
    viewport: DESKTOP,
  });
  const out = { searches: [], pastes: [], entryPages: [], agreement: [], screenshots: [], pageErrors: [], external: [] };
  const origin = new URL(job.base).origin;
  const requested = []; // every request of the context, the paste worker's fetches included
  context.on("request", (request) => {
    const url = request.url();
    requested.push(url);
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) out.external.push(url);
  });
  const newPage = async (viewport = DESKTOP) => {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    page.on("pageerror", (error) => out.pageErrors.push(`${page.url()}: ${error.message}`));
    return page;
  };
  try {
    let page = await newPage();
    for (const query of job.searches) out.searches.push(await search(page, job.base, query));
    await page.close();

    for (const paste of job.pastes) {
      page = await newPage();
      await page.goto(`${job.base}paste/#q=${encodeURIComponent(paste.text)}`, { waitUntil: "load" });
      out.pastes.push({ expect: paste.expect, ...(await settledPaste(page)) });
      await page.close();
    }

    // Source answers: a curated paste never fetches catalogue.json; a catalogue-only message shows the block.
    if (job.sourceProbe) {
      out.sourceProbe = {};
      for (const name of ["curated", "source"]) {
        const before = requested.length;
        page = await newPage();
        await page.goto(`${job.base}paste/#q=${encodeURIComponent(job.sourceProbe[name])}`, { waitUntil: "load" });
        const settled = await settledPaste(page);
        const block = await page.evaluate(() => {
          const section = document.getElementById("sources");
          return {
            sourcesShown: !section.hidden,
            heading: section.querySelector("h2").textContent,
            sourceIds: [...section.querySelectorAll("li.pw-source")].map((li) => li.dataset.sourceId),
            sourceText: section.hidden ? "" : section.innerText,
          };
        });
        await page.close();
        const fetched = requested.slice(before).filter((url) => new URL(url).pathname.endsWith("/paste/catalogue.json"));
        out.sourceProbe[name] = { ...settled, ...block, catalogueRequests: fetched.length };
      }
    }

    if (job.redactProbe) {
      page = await newPage();
      await page.goto(`${job.base}paste/#q=${encodeURIComponent(job.redactProbe)}`, { waitUntil: "load" });
      out.redacted = (await settledPaste(page)).box;
      await page.close();
    }

    page = await newPage();
    for (const id of job.entryPages) {
      const response = await page.goto(`${job.base}entries/${id}/`, { waitUntil: "load" });
      out.entryPages.push({
        id,
        status: response ? response.status() : 0,
        ...(await page.evaluate(() => ({
          h1: (document.querySelector(".md-content h1") || {}).textContent || "",
          sections: [...document.querySelectorAll(".md-content h2")].map((h) => h.id),
          code: document.querySelectorAll(".md-content pre code").length,
        }))),
      });
    }
    await page.close();

    if (job.agreement.length) {
      page = await newPage();
      await page.goto(`${job.base}paste/`, { waitUntil: "load" });
      await page.waitForFunction(() => window.peftWhy && window.peftWhy.match);
      out.agreement = await page.evaluate(async (texts) => {
        const rows = [];
        for (const text of texts) {
          const reply = await window.peftWhy.match(text, 3);
          rows.push(reply.results.map((d) => [d.id, d.score]));
        }
        return rows;
      }, job.agreement);
      // A huge paste must come back (or be cut off by the watchdog) and leave the page usable.
      out.hugePaste = await page.evaluate(async (tail) => {
        const huge = "  File \"x.py\", line 1, in f\n".repeat(100000) + tail;
        const first = await window.peftWhy.match(huge, 1).then((r) => "ok", (e) => "error: " + e.message);
        const after = await window.peftWhy.match(tail, 1).then((r) => r.results.map((d) => d.id), (e) => "error: " + e.message);
        return { first, after };
      }, job.agreement[0]);
      await page.close();
    }

    if (job.artifacts) {
      fs.mkdirSync(job.artifacts, { recursive: true });
      for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
        page = await newPage(viewport);
        await page.goto(`${job.base}paste/#q=${encodeURIComponent(job.screenshotPaste)}`, { waitUntil: "load" });
        await settledPaste(page);
        const pasteShot = path.join(job.artifacts, `paste-${name}.png`);
        await page.screenshot({ path: pasteShot, fullPage: true });
        await page.goto(`${job.base}entries/${job.screenshotEntry}/`, { waitUntil: "load" });
        const entryShot = path.join(job.artifacts, `entry-${name}.png`);
        await page.screenshot({ path: entryShot, fullPage: true });
        out.screenshots.push(pasteShot, entryShot);
        await page.close();
      }
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + "\n");
  process.exit(1);
});
