// Quayside's console: one page, no build step, no libraries. Every value from the server is
// written as text (el() makes text nodes), never as markup: a message body cannot run here.
"use strict";

const API = "/_quayside/ui/api";
const POLL_MS = 2000;
const HISTORY = 150; // samples kept per resource (5 minutes at 2 s)
const history = new Map(); // resource key -> [{t, f: figures}]
let timer = null;
let generation = 0; // bumped on every navigation: late answers of an old page are dropped

// ---------- DOM helpers ----------

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    // Through the CSSOM: the page's policy refuses style attributes.
    else if (k === "style") e.style.cssText = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  add(e, children);
  return e;
}

function add(parent, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return parent;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "style") e.style.cssText = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function table(headers, rows, numeric) {
  numeric = numeric || [];
  return el("table", {},
    el("thead", {}, el("tr", {}, headers.map((h, i) => el("th", { class: numeric.includes(i) ? "num" : null }, h)))),
    el("tbody", {}, rows.length ? rows.map((r) => el("tr", {}, r.map((c, i) => el("td", { class: numeric.includes(i) ? "num" : null }, c))))
      : el("tr", {}, el("td", { colspan: headers.length, class: "muted" }, "none"))));
}

function show(...nodes) {
  const main = document.getElementById("main");
  main.replaceChildren();
  add(main, nodes);
}

function crumbs(...parts) {
  const nav = document.getElementById("crumbs");
  nav.replaceChildren();
  parts.forEach((p, i) => {
    if (i) nav.appendChild(document.createTextNode("› "));
    nav.appendChild(p.href ? el("a", { href: p.href }, p.text) : el("span", {}, p.text));
  });
}

function status(text) {
  document.getElementById("status").textContent = text;
}

const fmt = (n) => (typeof n === "number" ? (Number.isInteger(n) ? n.toLocaleString("en") : n.toFixed(1)) : n ?? "");
const when = (ms) => (ms ? new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "");
const enc = encodeURIComponent;
const TAG = { sqs: "SQS", sns: "SNS", kinesis: "Kinesis", mq: "MQ" };
const tag = (service) => el("span", { class: "tag " + service }, TAG[service] || service);

// ---------- server calls ----------

async function getJson(path) {
  const r = await fetch(path, { headers: { accept: "application/json" } });
  const text = await r.text();
  let body;
  try { body = text ? JSON.parse(text) : {}; } catch { body = { error: text }; }
  if (!r.ok) throw new Error(body.error || body.message || `${r.status}`);
  return body;
}

async function allResources() {
  let after = 0, out = [], first = null;
  for (;;) {
    const page = await getJson(`${API}/resources?after=${after}`);
    first = first || page;
    out = out.concat(page.resources);
    if (page.next == null) break;
    after = page.next;
  }
  first.resources = out;
  return first;
}

// The services' own operations, as any client calls them. Quayside takes the account and the
// region from the credential scope (a 12-digit access key id is the account).
async function aws(service, account, region, target, body) {
  const scope = `${account}/20260101/${region}/${service}/aws4_request`;
  const r = await fetch("/", {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": target,
      authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host, Signature=console`,
    },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  const out = text ? JSON.parse(text) : {};
  if (!r.ok) throw new Error(`${(out.__type || "").split("#").pop()}: ${out.message || out.Message || r.status}`);
  return out;
}

const queueUrl = (account, name) => `${location.origin}/${account}/${name}`;
const keyOf = (r) => [r.service, r.kind, r.account, r.region, r.name].join("/");

function remember(resources, now) {
  for (const r of resources) {
    const k = keyOf(r);
    const h = history.get(k) || [];
    // Samples at least a second apart, so that a rate is not taken over a few milliseconds;
    // a closer one replaces the last.
    if (h.length && now - h[h.length - 1].t < 1000 && h.length > 1) h[h.length - 1] = { t: now, f: r.figures };
    else if (!h.length || h[h.length - 1].t !== now) h.push({ t: now, f: r.figures });
    while (h.length > HISTORY) h.shift();
    history.set(k, h);
  }
}

// A counter's rate per second between samples; a gauge as it is.
function series(key, figure) {
  const h = history.get(key) || [];
  if (figure.endsWith("_total")) {
    const out = [];
    // Over at least 0.9 s: the nearest earlier sample that far back.
    for (let i = 1; i < h.length; i++) {
      let j = i - 1;
      while (j >= 0 && h[i].t - h[j].t < 900) j--;
      if (j < 0) continue;
      const dt = (h[i].t - h[j].t) / 1000;
      const dv = (h[i].f[figure] || 0) - (h[j].f[figure] || 0);
      out.push({ t: h[i].t, v: dv >= 0 ? dv / dt : 0 });
    }
    return out;
  }
  return h.map((s) => ({ t: s.t, v: s.f[figure] || 0 }));
}

const COLOURS = ["#0b62c4", "#c7511f", "#1e7f4f", "#8a3ffc", "#b0084d", "#6b7685"];

// A line chart of several series ({label, points}), time on x.
function chart(title, lines, opts) {
  opts = opts || {};
  const W = opts.width || 420, H = opts.height || 140, L = 44, R = 8, T = 8, B = 18;
  const pts = lines.flatMap((l) => l.points);
  const box = el("div", { class: "chart", "data-chart": title });
  box.appendChild(el("div", { class: "title" }, title));
  const s = svg("svg", { width: "100%", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
  const t1 = pts.length ? Math.max(...pts.map((p) => p.t)) : Date.now();
  const t0 = pts.length ? Math.min(t1 - 60000, Math.min(...pts.map((p) => p.t))) : t1 - 60000;
  const top = Math.max(1, ...pts.map((p) => p.v));
  const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
  const y = (v) => T + (1 - v / top) * (H - T - B);
  for (const f of [0, 0.5, 1]) {
    const v = top * f;
    s.appendChild(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e5e9ee" }));
    s.appendChild(svg("text", { x: L - 4, y: y(v) + 3, "text-anchor": "end" }, fmt(Math.round(v * 10) / 10)));
  }
  s.appendChild(svg("text", { x: L, y: H - 4 }, `${Math.round((t1 - t0) / 1000)} s ago`));
  s.appendChild(svg("text", { x: W - R, y: H - 4, "text-anchor": "end" }, "now"));
  lines.forEach((l, i) => {
    if (l.points.length === 0) return;
    const d = l.points.map((p, j) => `${j ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ");
    s.appendChild(svg("path", { d, fill: "none", stroke: COLOURS[i % COLOURS.length], "stroke-width": 1.8 }));
    if (l.points.length === 1) {
      const p = l.points[0];
      s.appendChild(svg("circle", { cx: x(p.t), cy: y(p.v), r: 2.5, fill: COLOURS[i % COLOURS.length] }));
    }
  });
  box.appendChild(s);
  box.appendChild(el("div", { class: "legend" }, lines.map((l, i) => {
    const last = l.points.length ? l.points[l.points.length - 1].v : 0;
    return el("span", {}, el("i", { style: `background:${COLOURS[i % COLOURS.length]}` }), `${l.label} ${fmt(Math.round(last * 10) / 10)}`);
  })));
  return box;
}

// A small line of one series, for tables.
function spark(points) {
  const W = 90, H = 20;
  const s = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  if (points.length > 1) {
    const t0 = points[0].t, t1 = points[points.length - 1].t, top = Math.max(1, ...points.map((p) => p.v));
    const d = points.map((p, j) => `${j ? "L" : "M"}${(((p.t - t0) / Math.max(1, t1 - t0)) * (W - 2) + 1).toFixed(1)},${(H - 2 - (p.v / top) * (H - 4)).toFixed(1)}`).join(" ");
    s.appendChild(svg("path", { d, fill: "none", stroke: "#0b62c4", "stroke-width": 1.4 }));
  }
  return s;
}

// ---------- pages ----------

const link = (r) => `#/${r.service}/${r.kind}/${enc(r.account)}/${enc(r.region)}/${enc(r.name)}`;

const overviewState = { filter: "" };

// Shows only the resources whose name holds the filter's text (and the groups that have any).
function applyFilter() {
  const f = overviewState.filter.trim().toLowerCase();
  const keep = (tr) => !f || tr.querySelector("a")?.textContent.toLowerCase().includes(f);
  for (const tr of document.querySelectorAll("section.region tbody tr")) tr.hidden = !keep(tr);
  for (const box of document.querySelectorAll("section.region .kind, section.region")) {
    box.hidden = ![...box.querySelectorAll("tbody tr")].some((tr) => !tr.hidden);
  }
}

async function overview(gen) {
  crumbs({ text: "All resources" });
  const data = await allResources();
  if (gen !== generation) return;
  remember(data.resources, data.now_ms);
  status(`${data.total} resources · ${when(data.now_ms)}`);
  if (!data.resources.length) {
    show(el("div", { class: "card empty" },
      el("h1", {}, "Nothing here yet"),
      el("p", { class: "muted" }, "Create a queue, topic, stream or broker with any AWS client pointed at ",
        el("code", {}, location.origin), ", or start Quayside with ", el("code", {}, "--config"), ".")));
    return;
  }
  const queues = data.resources.filter((r) => r.kind === "queue");
  const total = (fig) => {
    const by = new Map();
    for (const q of queues) for (const p of series(keyOf(q), fig)) by.set(p.t, (by.get(p.t) || 0) + p.v);
    return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }));
  };
  const charts = queues.length ? el("div", { class: "grid" },
    chart("Messages in all queues", [
      { label: "visible", points: total("visible") },
      { label: "in flight", points: total("in_flight") },
      { label: "delayed", points: total("delayed") }]),
    chart("Messages per second, all queues", [
      { label: "sent", points: total("sent_total") },
      { label: "received", points: total("received_total") },
      { label: "deleted", points: total("deleted_total") }])) : null;
  const groups = new Map();
  for (const r of data.resources) {
    const g = `${r.account} · ${r.region}`;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(r);
  }
  const sections = [...groups.entries()].map(([g, rs]) => {
    const of = (kind) => rs.filter((r) => r.kind === kind);
    const a = (r) => el("a", { href: link(r) }, r.name);
    const parts = [el("h2", {}, `Account ${g}`)];
    if (of("queue").length) parts.push(el("div", { class: "kind" }, el("h3", {}, tag("sqs"), "Queues"), table(
      ["Queue", "Visible", "In flight", "Delayed", "Oldest (s)", "Sent/s", "Depth (last 5 min)"],
      of("queue").map((r) => {
        const rate = series(keyOf(r), "sent_total");
        return [a(r), fmt(r.figures.visible), fmt(r.figures.in_flight), fmt(r.figures.delayed), fmt(r.figures.oldest_age_seconds),
          fmt(rate.length ? Math.round(rate[rate.length - 1].v * 10) / 10 : 0),
          spark(series(keyOf(r), "visible").map((p, i, all) => ({ t: p.t, v: p.v + (series(keyOf(r), "in_flight")[i] || { v: 0 }).v })))];
      }), [1, 2, 3, 4, 5])));
    if (of("topic").length) parts.push(el("div", { class: "kind" }, el("h3", {}, tag("sns"), "Topics"), table(
      ["Topic", "Subscriptions", "Published", "Published/s"],
      of("topic").map((r) => {
        const rate = series(keyOf(r), "published_total");
        return [a(r), fmt(r.figures.subscriptions), fmt(r.figures.published_total), fmt(rate.length ? Math.round(rate[rate.length - 1].v * 10) / 10 : 0)];
      }), [1, 2, 3])));
    if (of("stream").length) parts.push(el("div", { class: "kind" }, el("h3", {}, tag("kinesis"), "Streams"), table(
      ["Stream", "Open shards", "Consumers", "Records in", "Records out", "Iterator age (ms)"],
      of("stream").map((r) => [a(r), fmt(r.figures.open_shards), fmt(r.figures.consumers), fmt(r.figures.records_in_total),
        fmt(r.figures.records_out_total), fmt(r.figures.iterator_age_ms)]), [1, 2, 3, 4, 5])));
    if (of("broker").length) parts.push(el("div", { class: "kind" }, el("h3", {}, tag("mq"), "Brokers"), table(
      ["Broker", "Connections", "Destinations", "Messages waiting"],
      of("broker").map((r) => [a(r), fmt(r.figures.connections), fmt(r.figures.destinations), fmt(r.figures.messages_waiting)]), [1, 2, 3])));
    return el("section", { class: "region", "data-group": g }, parts);
  });
  const filter = el("input", { id: "filter", type: "search", placeholder: "Filter by name", value: overviewState.filter,
    oninput: (e) => { overviewState.filter = e.target.value; applyFilter(); } });
  show(el("h1", {}, "Resources"), el("p", { class: "muted" }, "Every queue, topic, stream and broker, by account and region. Figures refresh every 2 s."),
    charts, el("div", { class: "row" }, filter), sections);
  applyFilter();
}

// One resource's details, its figures remembered for its charts; null when the user has
// moved on to another page meanwhile.
async function load(gen, service, kind, account, region, name) {
  const path = `${API}/detail?service=${enc(service)}&kind=${enc(kind)}&account=${enc(account)}&region=${enc(region)}&name=${enc(name)}`;
  const [d, all] = await Promise.all([getJson(path), allResources()]);
  if (gen !== generation) return null;
  remember(all.resources, all.now_ms);
  status(`updated ${when(d.now_ms)}`);
  return { d, key: keyOf({ service, kind, account, region, name }) };
}

function heading(service, what, d, extra) {
  crumbs({ text: "All resources", href: "#/" }, { text: `${d.account} · ${d.region}` }, { text: d.name });
  return [el("h1", {}, tag(service), d.name, " ", extra || null), el("div", { class: "muted" }, `${what} · `, el("code", {}, d.arn))];
}

// ----- a queue -----

const queueState = { tab: "visible", note: null, pages: 1 };
// The developer view's filters that leave one state.
const ONLY = {
  visible: "ShowDelayed=false&ShowInvisible=false",
  "in flight": "ShowVisible=false&ShowDelayed=false",
  delayed: "ShowVisible=false&ShowInvisible=false",
};
const PAGE = 100;

async function queuePage(gen, account, region, name) {
  const loaded = await load(gen, "sqs", "queue", account, region, name);
  if (!loaded) return;
  const { d, key } = loaded;
  const limit = PAGE * queueState.pages;
  const peek = await getJson(`/_aws/sqs/messages/${enc(region)}/${enc(account)}/${enc(name)}?MaxNumberOfMessages=${limit}&${ONLY[queueState.tab]}`);
  if (gen !== generation) return;
  const shown = (peek.Messages || []).map((m) => ({ m, a: m.Attributes || {} }));
  const counts = { visible: d.visible, "in flight": d.in_flight, delayed: d.delayed };
  const tabs = el("div", { class: "row tabs" }, ["visible", "in flight", "delayed"].map((t) =>
    el("button", { class: queueState.tab === t ? "on" : null, "data-tab": t, onclick: () => { queueState.tab = t; queueState.pages = 1; render(); } }, `${t} (${fmt(counts[t])})`)));
  const more = peek.NextToken && queueState.pages < 10
    ? el("button", { id: "more", onclick: () => { queueState.pages++; render(); } }, `Show ${PAGE} more`) : null;
  const body = el("textarea", { id: "send-body", placeholder: "Message body" });
  const delay = el("input", { id: "send-delay", type: "number", min: 0, max: 900, value: 0, style: "width:80px" });
  const group = d.fifo ? el("input", { id: "send-group", placeholder: "MessageGroupId", value: "console" }) : null;
  const act = (what, fn) => async () => {
    try {
      await fn();
      queueState.note = { ok: true, text: what };
    } catch (e) {
      queueState.note = { ok: false, text: `${what} failed: ${e.message}` };
    }
    render();
  };
  const url = queueUrl(account, name);
  const send = act("Sent", () => {
    const req = { QueueUrl: url, MessageBody: body.value, DelaySeconds: Number(delay.value) || 0 };
    if (d.fifo) { req.MessageGroupId = group.value || "console"; req.MessageDeduplicationId = String(Date.now()) + Math.random(); delete req.DelaySeconds; }
    return aws("sqs", account, region, "AmazonSQS.SendMessage", req);
  });
  const purge = act("Purged", () => {
    if (!confirm(`Purge every message of ${name}?`)) throw new Error("not confirmed");
    return aws("sqs", account, region, "AmazonSQS.PurgeQueue", { QueueUrl: url });
  });
  const redrive = act("Redrive started", () => aws("sqs", account, region, "AmazonSQS.StartMessageMoveTask", { SourceArn: d.arn }));
  const attrs = Object.entries(d.attributes).sort((a, b) => a[0].localeCompare(b[0]));
  show(
    heading("sqs", d.fifo ? "FIFO queue" : "Standard queue", d),
    queueState.note ? el("div", { class: "note" + (queueState.note.ok ? "" : " bad"), id: "note" }, queueState.note.text) : null,
    el("div", { class: "grid" },
      chart("Messages", [
        { label: "visible", points: series(key, "visible") },
        { label: "in flight", points: series(key, "in_flight") },
        { label: "delayed", points: series(key, "delayed") }]),
      chart("Per second", [
        { label: "sent", points: series(key, "sent_total") },
        { label: "received", points: series(key, "received_total") },
        { label: "deleted", points: series(key, "deleted_total") }]),
      // What a consumer fleet scales on (CloudWatch's ApproximateAgeOfOldestMessage).
      chart("Age of the oldest message (s)", [{ label: "oldest", points: series(key, "oldest_age_seconds") }])),
    el("div", { class: "card" },
      el("h3", {}, "Send a message"), body,
      el("div", { class: "row" }, d.fifo ? group : el("label", {}, "Delay (s) ", delay),
        el("button", { class: "primary", id: "send", onclick: send }, "Send"),
        el("span", { style: "flex:1" }),
        d.dead_letter_sources.length ? el("button", { id: "redrive", onclick: redrive, title: "StartMessageMoveTask: back to " + d.dead_letter_sources.join(", ") }, "Redrive to source queues") : null,
        el("button", { class: "danger", id: "purge", onclick: purge }, "Purge"))),
    d.dead_letter_sources.length ? el("p", { class: "muted" }, "Dead-letter queue of: ",
      d.dead_letter_sources.map((s, i) => [i ? ", " : "", el("a", { href: `#/sqs/queue/${enc(account)}/${enc(region)}/${enc(s)}` }, s)])) : null,
    el("h2", {}, "Messages ", el("span", { class: "muted" }, `(peeked: their visibility is not changed; ${shown.length} of ${fmt(counts[queueState.tab])} ${queueState.tab} shown)`)),
    tabs,
    table(["Message id", "Sent", "Receives", d.fifo ? "Group" : "", "Body", "Attributes"],
      shown.map(({ m, a }) => [el("code", {}, m.MessageId), when(Number(a.SentTimestamp)), fmt(Number(a.ApproximateReceiveCount || 0)),
        d.fifo ? a.MessageGroupId : "", el("pre", { class: "body" }, m.Body),
        m.MessageAttributes ? el("pre", {}, Object.entries(m.MessageAttributes).map(([k, v]) => `${k} = ${v.StringValue ?? "(binary)"}`).join("\n")) : ""]), [2]),
    more,
    el("h2", {}, "Attributes"),
    table(["Name", "Value"], attrs.map(([k, v]) => [k, v.startsWith("{") ? el("pre", {}, v) : v])));
}

// ----- a topic -----

function fanOut(d) {
  const subs = d.subscriptions;
  const rowH = 46, W = 860, H = Math.max(90, subs.length * rowH + 20);
  const s = svg("svg", { width: "100%", viewBox: `0 0 ${W} ${H}`, id: "fanout" });
  const tx = 20, ty = H / 2 - 18;
  s.appendChild(svg("rect", { x: tx, y: ty, width: 190, height: 36, rx: 6, fill: "#fbe7ef", stroke: "#b0084d" }));
  s.appendChild(svg("text", { x: tx + 10, y: ty + 22, style: "font-size:12px;fill:#1d2430" }, d.name.length > 26 ? d.name.slice(0, 25) + "…" : d.name));
  subs.forEach((sub, i) => {
    const sy = 10 + i * rowH, sx = 520;
    const filter = sub.filter_policy ? sub.filter_policy.replace(/\s+/g, " ") : "no filter policy: every message";
    s.appendChild(svg("path", { d: `M${tx + 190},${ty + 18} C360,${ty + 18} 360,${sy + 18} ${sx},${sy + 18}`, fill: "none", stroke: sub.filter_policy ? "#8a3ffc" : "#aab4c0", "stroke-width": 1.5 }));
    s.appendChild(svg("text", { x: sx - 8, y: sy + 14, "text-anchor": "end", style: "font-size:10px;fill:#8a3ffc" }, filter.length > 48 ? filter.slice(0, 47) + "…" : filter));
    s.appendChild(svg("rect", { x: sx, y: sy, width: 330, height: 36, rx: 6, fill: "#fff", stroke: "#aab4c0" }));
    const label = sub.queue ? `sqs: ${sub.queue}` : `${sub.protocol}: ${sub.endpoint}`;
    s.appendChild(svg("text", { x: sx + 8, y: sy + 15, style: "font-size:12px;fill:#1d2430" }, label.length > 48 ? label.slice(0, 47) + "…" : label));
    s.appendChild(svg("text", { x: sx + 8, y: sy + 30 }, `${sub.matched_total} matched · ${sub.delivered_total} delivered · ${sub.failed_total} failed${sub.confirmed ? "" : " · pending confirmation"}`));
  });
  return s;
}

async function topicPage(gen, account, region, name) {
  const loaded = await load(gen, "sns", "topic", account, region, name);
  if (!loaded) return;
  const { d, key } = loaded;
  const subLink = (sub) => {
    if (!sub.queue) return el("code", {}, sub.endpoint);
    const p = sub.endpoint.split(":");
    return el("a", { href: `#/sqs/queue/${enc(p[4])}/${enc(p[3])}/${enc(sub.queue)}` }, sub.queue);
  };
  show(
    heading("sns", d.fifo ? "FIFO topic" : "Standard topic", d),
    el("div", { class: "grid" }, chart("Published per second", [{ label: "published", points: series(key, "published_total") }])),
    el("h2", {}, "Fan-out"),
    el("div", { class: "card" }, d.subscriptions.length ? fanOut(d) : el("p", { class: "muted" }, "No subscriptions.")),
    el("h2", {}, "Subscriptions"),
    d.subscriptions.map((sub) => el("div", { class: "card sub", "data-sub": sub.arn },
      el("div", { class: "row" }, el("span", { class: "pill" }, sub.protocol), subLink(sub),
        sub.raw ? el("span", { class: "pill" }, "raw") : null,
        el("span", { class: "pill " + (sub.confirmed ? "ok" : "bad") }, sub.confirmed ? "confirmed" : "pending confirmation"),
        el("span", { class: "muted" }, `${sub.matched_total} matched · ${sub.delivered_total} delivered · ${sub.failed_total} failed`)),
      el("h3", {}, `Filter policy (${sub.filter_policy_scope})`),
      sub.filter_policy ? el("pre", { class: "filter" }, JSON.stringify(JSON.parse(sub.filter_policy), null, 2)) : el("p", { class: "muted" }, "None: every message is delivered."),
      el("h3", {}, "Recent matches"),
      table(["When", "Message id", "Subject", "Message"], sub.recent_matches.map((m) =>
        [when(m.at_ms), el("code", {}, m.message_id), m.subject || "", el("pre", {}, m.preview)])))));
}

// ----- a stream -----

const SPACE = 2n ** 128n;

function lineage(shards) {
  // Generations: a shard sits one column right of its parents.
  const byId = new Map(shards.map((s) => [s.ShardId, s]));
  const depth = new Map();
  const gen = (s) => {
    if (depth.has(s.ShardId)) return depth.get(s.ShardId);
    depth.set(s.ShardId, 0);
    const ps = [s.ParentShardId, s.AdjacentParentShardId].filter((p) => p && byId.has(p));
    const g = ps.length ? 1 + Math.max(...ps.map((p) => gen(byId.get(p)))) : 0;
    depth.set(s.ShardId, g);
    return g;
  };
  shards.forEach(gen);
  const cols = Math.max(...[...depth.values()]) + 1;
  const W = 860, colW = W / cols, H = 200;
  const s = svg("svg", { width: "100%", viewBox: `0 0 ${W} ${H + 20}`, id: "lineage" });
  const pos = new Map();
  for (const sh of shards) {
    const start = Number((BigInt(sh.HashKeyRange.StartingHashKey) * 1000n) / SPACE) / 1000;
    const end = Number(((BigInt(sh.HashKeyRange.EndingHashKey) + 1n) * 1000n) / SPACE) / 1000;
    const g = depth.get(sh.ShardId);
    const box = { x: g * colW + 6, y: 10 + start * H, w: colW - 30, h: Math.max(14, (end - start) * H - 3) };
    pos.set(sh.ShardId, box);
  }
  for (const sh of shards) {
    const b = pos.get(sh.ShardId);
    for (const p of [sh.ParentShardId, sh.AdjacentParentShardId]) {
      const a = p && pos.get(p);
      if (a) s.appendChild(svg("path", { d: `M${a.x + a.w},${a.y + a.h / 2} L${b.x},${b.y + b.h / 2}`, stroke: "#aab4c0", fill: "none" }));
    }
  }
  for (const sh of shards) {
    const b = pos.get(sh.ShardId);
    s.appendChild(svg("rect", { x: b.x, y: b.y, width: b.w, height: b.h, rx: 4, fill: sh.Open ? "#ece5fa" : "#eef1f4", stroke: sh.Open ? "#6b40c1" : "#9aa5b1" }));
    s.appendChild(svg("text", { x: b.x + 6, y: b.y + Math.min(b.h / 2 + 4, 14), style: "fill:#1d2430" }, `${sh.ShardId}${sh.Open ? "" : " (closed)"}`));
  }
  s.appendChild(svg("text", { x: 4, y: H + 18 }, "hash key space from 0 (top) to 2^128 - 1 (bottom); children to the right of their parents"));
  return s;
}

async function streamPage(gen, account, region, name) {
  const loaded = await load(gen, "kinesis", "stream", account, region, name);
  if (!loaded) return;
  const { d, key } = loaded;
  const bar = (sh) => {
    const a = Number((BigInt(sh.HashKeyRange.StartingHashKey) * 10000n) / SPACE) / 100;
    const b = Number(((BigInt(sh.HashKeyRange.EndingHashKey) + 1n) * 10000n) / SPACE) / 100;
    return el("div", { class: "bar" + (sh.Open ? "" : " closed"), title: `${a}% – ${b}% of the hash key space` }, el("i", { style: `left:${a}%;width:${Math.max(0.5, b - a)}%` }));
  };
  show(
    heading("kinesis", `${d.mode} stream, ${d.status}, ${d.retention_hours} h retention`, d),
    el("div", { class: "grid" }, chart("Records per second", [
      { label: "in", points: series(key, "records_in_total") },
      { label: "out", points: series(key, "records_out_total") }]),
    chart("Iterator age (ms)", [{ label: "max over shards", points: series(key, "iterator_age_ms") }])),
    el("h2", {}, "Shards"),
    el("div", { class: "card" }, lineage(d.shards)),
    table(["Shard", "State", "Parent", "Adjacent parent", "Hash key range", "", "Records in", "Records out", "Iterator age (ms)"],
      d.shards.map((sh) => [el("code", {}, sh.ShardId), el("span", { class: "pill " + (sh.Open ? "ok" : "") }, sh.Open ? "open" : "closed"),
        sh.ParentShardId || "", sh.AdjacentParentShardId || "",
        el("code", { class: "range" }, `${sh.HashKeyRange.StartingHashKey} – ${sh.HashKeyRange.EndingHashKey}`), bar(sh),
        fmt(sh.records_in_total), fmt(sh.records_out_total), fmt(sh.iterator_age_ms)]), [6, 7, 8]),
    el("h2", {}, "Enhanced fan-out consumers"),
    table(["Consumer", "Status", "Registered", "Reading now (SubscribeToShard)"],
      d.consumers.map((c) => [c.ConsumerName, c.ConsumerStatus, when(c.ConsumerCreationTimestamp * 1000), c.SubscribedShards.join(", ") || "none"])));
}

// ----- a broker -----

const TRANSPORT = { tcp: "TCP", tls: "TLS", ws: "WebSocket", wss: "WebSocket over TLS" };

async function brokerPage(gen, account, region, name) {
  const loaded = await load(gen, "mq", "broker", account, region, name);
  if (!loaded) return;
  const { d, key } = loaded;
  show(
    heading("mq", `${d.engine} ${d.engine_version} broker ${d.id}`, d, el("span", { class: "pill " + (d.state === "RUNNING" ? "ok" : "") }, d.state)),
    el("div", { class: "grid" }, chart("Connections and waiting messages", [
      { label: "connections", points: series(key, "connections") },
      { label: "waiting", points: series(key, "messages_waiting") }])),
    el("h2", {}, "Endpoints"),
    el("div", { class: "card" }, d.endpoints.length ? d.endpoints.map((e) => el("div", {}, el("code", {}, e))) : el("span", { class: "muted" }, "none bound")),
    el("p", { class: "muted" }, "Users: ", d.users.join(", ") || "none"),
    el("h2", {}, "Destinations"),
    table(["Kind", "Destination", "Messages waiting", "Consumers"], d.destinations.map((x) => [x.kind, el("code", {}, x.name), x.messages == null ? "" : fmt(x.messages), fmt(x.consumers)]), [2, 3]),
    el("h2", {}, "Connections"),
    table(["Protocol", "Transport", "Client id", "User", "Peer", "Since"],
      d.connections.map((c) => [c.protocol.toUpperCase(), TRANSPORT[c.transport] || c.transport, el("code", {}, c.client_id), c.user, c.peer, when(c.since_ms)])));
}

// ---------- routing ----------

const PAGES = { "sqs/queue": queuePage, "sns/topic": topicPage, "kinesis/stream": streamPage, "mq/broker": brokerPage };

function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts.length === 5 && PAGES[`${parts[0]}/${parts[1]}`]) {
    return (gen) => PAGES[`${parts[0]}/${parts[1]}`](gen, parts[2], parts[3], parts[4]);
  }
  return overview;
}

async function render() {
  const gen = generation;
  try {
    await route()(gen);
    document.body.dataset.ready = String(gen);
  } catch (e) {
    if (gen !== generation) return;
    show(el("div", { class: "note bad", id: "error" }, e.message));
    document.body.dataset.ready = String(gen);
  }
}

function navigate() {
  generation++;
  queueState.note = null;
  queueState.pages = 1;
  queueState.tab = "visible";
  delete document.body.dataset.ready;
  clearInterval(timer);
  render();
  timer = setInterval(() => {
    // Live pages refresh; not while the user types a message.
    if (document.activeElement && ["TEXTAREA", "INPUT"].includes(document.activeElement.tagName)) return;
    render();
  }, POLL_MS);
}

window.addEventListener("hashchange", navigate);
navigate();
