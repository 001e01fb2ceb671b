// Drives Quayside's console (/_quayside/ui) in headless Chromium, as a user would: opens each
// page, sends, purges and redrives with its buttons, takes a screenshot of each page, and
// prints what it saw as JSON for the console test to check.
//
// Usage: node drive.js ENDPOINT OUT_DIR
// The server holds what emulator/tests/it/console.rs made: queues orders, orders-dlq (its
// dead-letter queue), scratch, jobs.fifo and bulk (130 messages), topic events, stream clicks, broker b with a STOMP
// connection, in account 000000000000 and region us-east-1, and queue far in another account.
"use strict";
const { chromium } = require("playwright-core");
const path = require("path");

const [endpoint, out] = process.argv.slice(2);
const A = "000000000000", R = "us-east-1";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

async function main() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As the machine notes say: no background connections (the network is closed).
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  page.on("dialog", (d) => d.accept());
  const seen = {};

  // Waits for the page of the current hash to have rendered (the body's data-ready).
  const ready = async () => {
    await page.waitForFunction(() => document.body.dataset.ready !== undefined, null, { timeout: 15000 });
  };
  const go = async (hash) => {
    await page.goto(`${endpoint}/_quayside/ui/${hash}`);
    await ready();
  };
  const texts = (sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent.trim()));
  const shot = (name) => page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true });
  // Two refreshes, so the charts hold more than one sample.
  const settle = () => page.waitForTimeout(4500);

  // Every resource, by account and region, with live charts.
  await go("#/");
  await settle();
  seen.overview = {
    groups: await page.$$eval("section.region", (s) => s.map((x) => x.dataset.group)),
    links: await texts("section.region a"),
    charts: await page.$$eval("[data-chart]", (c) => c.map((x) => ({ title: x.dataset.chart, paths: x.querySelectorAll("path").length }))),
    sparklines: await page.$$eval("td svg path", (p) => p.length),
  };
  // Live: five messages sent to scratch from outside the page show in its chart's legend at
  // the next refresh, without a reload.
  const legend = async () => (await texts('[data-chart="Messages in all queues"] .legend span'))[0];
  const before = await legend();
  for (let i = 0; i < 5; i++) {
    const r = await fetch(`${endpoint}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "AmazonSQS.SendMessage" },
      body: JSON.stringify({ QueueUrl: `${endpoint}/${A}/scratch`, MessageBody: `live ${i}` }),
    });
    if (!r.ok) throw new Error(`SendMessage: ${r.status} ${await r.text()}`);
  }
  await page.waitForFunction((b) => {
    const l = document.querySelector('[data-chart="Messages in all queues"] .legend span');
    return l && l.textContent.trim() !== b;
  }, before, { timeout: 10000 });
  seen.overview.live = [before, await legend()];
  // The name filter keeps the groups and rows that match, across accounts.
  const shownLinks = () => page.$$eval("section.region a", (as) => as.filter((a) => a.offsetParent !== null).map((a) => a.textContent));
  await page.fill("#filter", "ar");
  seen.overview.filtered = await shownLinks();
  await page.fill("#filter", "");
  seen.overview.unfiltered = (await shownLinks()).length;
  await shot("overview");

  // A queue: peek each state, send with the form.
  await go(`#/sqs/queue/${A}/${R}/orders`);
  const tab = async (name) => {
    await page.click(`[data-tab="${name}"]`);
    await page.waitForSelector(`[data-tab="${name}"].on`);
    return texts("pre.body");
  };
  seen.queue = { visible: await tab("visible"), in_flight: await tab("in flight"), delayed: await tab("delayed") };
  await tab("visible");
  await page.fill("#send-body", "sent from the console");
  await page.click("#send");
  await page.waitForSelector("#note");
  seen.queue.sent_note = (await texts("#note"))[0];
  await page.waitForFunction(() => [...document.querySelectorAll("pre.body")].some((p) => p.textContent === "sent from the console"));
  seen.queue.after_send = await texts("pre.body");
  seen.queue.xss = await page.evaluate(() => window.__xss === undefined ? "not run" : "ran");
  seen.queue.images = await page.$$eval("main img", (i) => i.length);
  await settle();
  await shot("queue");

  // The dead-letter queue: redrive back to its source.
  await go(`#/sqs/queue/${A}/${R}/orders-dlq`);
  seen.dlq = { before: await texts("pre.body"), sources: await texts("main p.muted a") };
  await page.click("#redrive");
  await page.waitForSelector("#note");
  seen.dlq.note = (await texts("#note"))[0];
  await shot("dlq");

  // Purge with its button (the dialog is accepted).
  await go(`#/sqs/queue/${A}/${R}/scratch`);
  seen.scratch = { before: (await texts("pre.body")).length };
  await page.click("#purge");
  await page.waitForSelector("#note");
  seen.scratch.note = (await texts("#note"))[0];

  // A FIFO queue's form: its group field instead of a delay.
  await go(`#/sqs/queue/${A}/${R}/jobs.fifo`);
  await page.fill("#send-body", "first in line");
  await page.click("#send");
  await page.waitForSelector("#note");
  await page.waitForFunction(() => document.querySelectorAll("pre.body").length > 0);
  seen.fifo = { note: (await texts("#note"))[0], bodies: await texts("pre.body") };

  // A long queue, a page at a time.
  await go(`#/sqs/queue/${A}/${R}/bulk`);
  const first = (await texts("pre.body")).length;
  await page.click("#more");
  await page.waitForFunction(() => document.querySelectorAll("pre.body").length > 100);
  seen.bulk = [first, (await texts("pre.body")).length, (await page.$("#more")) !== null];

  // A topic: its fan-out, filter policies and recent matches.
  await go(`#/sns/topic/${A}/${R}/events`);
  seen.topic = {
    graph_boxes: await page.$$eval("#fanout rect", (r) => r.length),
    graph_text: await texts("#fanout text"),
    filters: await texts("pre.filter"),
    recent: await page.$$eval(".sub", (subs) => subs.map((s) => [...s.querySelectorAll("tbody pre")].map((p) => p.textContent))),
  };
  await shot("topic");

  // A stream: shards with hash ranges, lineage and consumers.
  await go(`#/kinesis/stream/${A}/${R}/clicks`);
  seen.stream = {
    shards: await page.$$eval("main table", (t) => [...t[0].querySelectorAll("tbody tr")].map((r) => [...r.children].map((c) => c.textContent.trim()))),
    lineage_boxes: await page.$$eval("#lineage rect", (r) => r.length),
    lineage_lines: await page.$$eval("#lineage path", (p) => p.length),
    consumers: await page.$$eval("main table", (t) => [...t[1].querySelectorAll("tbody tr")].map((r) => [...r.children].map((c) => c.textContent.trim()))),
  };
  await settle();
  await shot("stream");

  // A broker: destinations and connections.
  await go(`#/mq/broker/${A}/${R}/b`);
  seen.broker = {
    tables: await page.$$eval("main table", (t) => t.map((x) => [...x.querySelectorAll("tbody tr")].map((r) => [...r.children].map((c) => c.textContent.trim())))),
    endpoints: await texts("main .card code"),
  };
  await shot("broker");

  // A missing queue says so (its 404 is logged by Chromium: the errors are taken before).
  seen.errors = errors.slice();
  await go(`#/sqs/queue/${A}/${R}/no-such-queue`);
  seen.missing = await texts("#error");

  await browser.close();
  console.log(JSON.stringify(seen));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
