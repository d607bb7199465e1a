// Marsad workbench front end. Crawled strings are only ever put into the page as text
// (textContent / createTextNode), never as HTML; the server's Content-Security-Policy
// allows nothing from another host.
"use strict";

const TYPE_COLOURS = {
  "Battles": "#c0392b", "Explosions/Remote violence": "#e67e22", "Violence against civilians": "#8e44ad",
  "Protests": "#2e86c1", "Riots": "#d4ac0d", "Strategic developments": "#27ae60",
};
const TYPE_NAMES = {
  "Battles": "معارك", "Explosions/Remote violence": "انفجارات/عنف عن بُعد",
  "Violence against civilians": "عنف ضد المدنيين", "Protests": "احتجاجات", "Riots": "أعمال شغب",
  "Strategic developments": "تطورات استراتيجية",
};
const FILTERS = ["since", "until", "country", "admin1", "event_type", "sub_event_type", "actor", "source", "min_confidence"];
const colour = (t) => TYPE_COLOURS[t] || "#7f8c8d";
const typeName = (t) => TYPE_NAMES[t] || t || "—";

// -- tiny DOM helpers (text only) -----------------------------------------------------
function el(tag, attrs, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "style") Object.assign(node.style, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    node.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return node;
}
const $ = (id) => document.getElementById(id);
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
function safeHref(url) {
  try { const u = new URL(url); return (u.protocol === "http:" || u.protocol === "https:") ? u.href : null; }
  catch (e) { return null; }
}
const fmt = (n) => Number(n || 0).toLocaleString("ar-EG");

let META = null;
const params = () => new URLSearchParams(location.search);

async function getJSON(url) {
  const r = await fetch(url, { credentials: "same-origin" });
  if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error || r.statusText);
  return r.json();
}

// -- filters ------------------------------------------------------------------------
function currentFilters() {
  const p = params(), out = new URLSearchParams();
  for (const k of FILTERS) if (p.get(k)) out.set(k, p.get(k));
  return out;
}
function fillSelect(sel, values, current, label) {
  clear(sel).appendChild(el("option", { value: "" }, "الكل"));
  for (const v of values) sel.appendChild(el("option", { value: v, selected: v === current }, label ? label(v) : v));
  if (current && !values.includes(current)) sel.appendChild(el("option", { value: current, selected: true }, current));
}
function syncFilterForm() {
  const p = params();
  fillSelect($("f-country"), META.countries, p.get("country") || "");
  fillSelect($("f-admin1"), p.get("country") ? (META.admin1[p.get("country")] || [])
    : [...new Set(Object.values(META.admin1).flat())].sort(), p.get("admin1") || "");
  fillSelect($("f-event_type"), META.event_types, p.get("event_type") || "", typeName);
  const subs = p.get("event_type") ? (META.sub_event_types[p.get("event_type")] || [])
    : [...new Set(Object.values(META.sub_event_types).flat())].sort();
  fillSelect($("f-sub_event_type"), subs, p.get("sub_event_type") || "");
  fillSelect($("f-source"), META.sources, p.get("source") || "");
  for (const k of ["since", "until", "actor", "min_confidence"]) $("f-" + k).value = p.get(k) || "";
}
function setParams(changes, push) {
  const p = params();
  for (const [k, v] of Object.entries(changes)) { if (v === null || v === "" || v === undefined) p.delete(k); else p.set(k, v); }
  const url = location.pathname + (p.toString() ? "?" + p.toString() : "");
  if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
}
const mergedMode = () => params().get("list") === "merged";
function updateExportLinks() {
  // the export follows the list: one row per report, or per merged event
  const f = currentFilters(), merged = mergedMode();
  for (const [id, format] of [["x-acled", "acled-csv"], ["x-jsonl", "jsonl"], ["x-geojson", "geojson"]]) {
    const q = new URLSearchParams(f); q.set("format", format); if (!merged) q.set("per_report", "1");
    $(id).href = "/export?" + q.toString();
  }
  $("x-mode").textContent = merged ? "(حدث مدمج لكل سطر)" : "(تقرير لكل سطر)";
  $("list-reports").classList.toggle("active", !merged); $("list-merged").classList.toggle("active", merged);
  $("list-title").textContent = merged ? "الأحداث المدمجة" : "التقارير";
}
function wireListMode() {
  for (const [id, mode] of [["list-reports", null], ["list-merged", "merged"]]) {
    $(id).addEventListener("click", () => { setParams({ list: mode }, false); refresh(); });
  }
}
function wireFilters() {
  const form = $("filters");
  form.addEventListener("change", (e) => {
    const name = e.target.name; if (!FILTERS.includes(name)) return;
    const change = { [name]: e.target.value };
    if (name === "country") change.admin1 = null;
    if (name === "event_type") change.sub_event_type = null;
    setParams(change, false); syncFilterForm(); refresh();
  });
  form.addEventListener("submit", (e) => e.preventDefault());
  $("f-clear").addEventListener("click", () => {
    const ch = {}; for (const k of FILTERS) ch[k] = null; setParams(ch, false); syncFilterForm(); refresh();
  });
}

// -- map ------------------------------------------------------------------------------
const TILE = 256;
function project(lat, lon) {  // Web Mercator, world units 0..256 at zoom 0
  const s = Math.sin(Math.max(Math.min(lat, 85), -85) * Math.PI / 180);
  return [(lon + 180) / 360 * TILE, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * TILE];
}
class EventMap {
  constructor(canvas) {
    this.canvas = canvas; this.ctx = canvas.getContext("2d");
    this.zoom = 4; this.center = project(34, 40);
    this.countries = []; this.admin1 = []; this.clusters = []; this.tiles = new Map();
    const at = (params().get("at") || "").split(",").map(Number);
    if (at.length === 3 && at.every(Number.isFinite)) { this.center = project(at[0], at[1]); this.zoom = Math.min(Math.max(Math.round(at[2]), 1), 14); }
    this.wire();
  }
  scale() { return Math.pow(2, this.zoom); }
  toScreen(wx, wy) { const s = this.scale(); return [(wx - this.center[0]) * s + this.w / 2, (wy - this.center[1]) * s + this.h / 2]; }
  toWorld(x, y) { const s = this.scale(); return [(x - this.w / 2) / s + this.center[0], (y - this.h / 2) / s + this.center[1]]; }
  resize() {
    const r = this.canvas.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    this.w = r.width; this.h = r.height;
    this.canvas.width = Math.round(r.width * dpr); this.canvas.height = Math.round(r.height * dpr);
    this.dpr = dpr; this.draw();
  }
  setBase(data) { this.countries = data.features.map((f) => ({ name: f.name, iso: f.iso, path: this.path(f.rings) })); this.requestDraw(); }
  addAdmin1(data) { for (const f of data.features) this.admin1.push({ name: f.name, path: this.path(f.rings) }); this.requestDraw(); }
  requestDraw() {  // many changes in one frame, one drawing
    if (this.pending) return; this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.draw(); });
  }
  path(rings) {
    const p = new Path2D();
    for (const ring of rings) {
      for (let i = 0; i < ring.length; i += 2) {
        const [x, y] = project(ring[i + 1] / 100, ring[i] / 100);
        if (i === 0) p.moveTo(x, y); else p.lineTo(x, y);
      }
      p.closePath();
    }
    return p;
  }
  draw() {
    const c = this.ctx; if (!this.w) return;
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    c.fillStyle = "#dfe9f2"; c.fillRect(0, 0, this.w, this.h);
    if (META && META.tile_url) this.drawTiles();
    const s = this.scale();
    c.setTransform(this.dpr * s, 0, 0, this.dpr * s, this.dpr * (this.w / 2 - this.center[0] * s), this.dpr * (this.h / 2 - this.center[1] * s));
    if (!(META && META.tile_url)) {
      c.fillStyle = "#fbfaf6"; c.strokeStyle = "#9aa3ad"; c.lineWidth = 0.9 / s;
      for (const f of this.countries) { c.fill(f.path); c.stroke(f.path); }
      if (this.zoom >= 4) { c.strokeStyle = "#c4c9cf"; c.lineWidth = 0.6 / s; for (const f of this.admin1) c.stroke(f.path); }
    }
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    this.hits = [];
    for (const cl of [...this.clusters].reverse()) {
      const [wx, wy] = project(cl.lat, cl.lon), [x, y] = this.toScreen(wx, wy);
      if (x < -30 || y < -30 || x > this.w + 30 || y > this.h + 30) continue;
      const r = cl.n === 1 ? 6 : Math.min(8 + 4 * Math.log2(cl.n), 30);
      let a = -Math.PI / 2;
      const types = Object.entries(cl.types).sort((p, q) => q[1] - p[1]);
      for (const [t, n] of types) {
        const b = a + 2 * Math.PI * n / cl.n;
        c.beginPath(); c.moveTo(x, y); c.arc(x, y, r, a, b); c.closePath(); c.fillStyle = colour(t); c.globalAlpha = 0.85; c.fill(); a = b;
      }
      c.globalAlpha = 1; c.beginPath(); c.arc(x, y, r, 0, 2 * Math.PI); c.strokeStyle = "#fff"; c.lineWidth = 1.5; c.stroke();
      if (cl.n > 1) { c.fillStyle = "#fff"; c.font = "bold 11px sans-serif"; c.textAlign = "center"; c.textBaseline = "middle"; c.fillText(String(cl.n), x, y); }
      this.hits.push({ x, y, r, cl });
    }
  }
  drawTiles() {
    const z = Math.max(0, Math.min(19, Math.round(this.zoom))), n = Math.pow(2, z), c = this.ctx, s = this.scale() / n;
    const [x0, y0] = this.toWorld(0, 0), [x1, y1] = this.toWorld(this.w, this.h);
    for (let tx = Math.floor(x0 / TILE * n); tx <= Math.floor(x1 / TILE * n); tx++) {
      for (let ty = Math.max(0, Math.floor(y0 / TILE * n)); ty <= Math.min(n - 1, Math.floor(y1 / TILE * n)); ty++) {
        const key = `${z}/${tx}/${ty}`, wrapped = ((tx % n) + n) % n;
        let img = this.tiles.get(key);
        if (!img) {
          img = new Image(); img.onload = () => this.draw();
          img.src = META.tile_url.replace("{z}", z).replace("{x}", wrapped).replace("{y}", ty);
          this.tiles.set(key, img);
        }
        if (img.complete && img.naturalWidth) {
          const [sx, sy] = this.toScreen(tx * TILE / n, ty * TILE / n);
          c.drawImage(img, sx, sy, TILE * s + 0.5, TILE * s + 0.5);
        }
      }
    }
  }
  zoomBy(d, x, y) {
    const nz = Math.min(Math.max(this.zoom + d, 1), 14); if (nz === this.zoom) return;
    x = x === undefined ? this.w / 2 : x; y = y === undefined ? this.h / 2 : y;
    const before = this.toWorld(x, y); this.zoom = nz; const after = this.toWorld(x, y);
    this.center = [this.center[0] + before[0] - after[0], this.center[1] + before[1] - after[1]];
    closePopup(); this.draw(); this.moved(true);
  }
  moved(zoomChanged) {
    const s = Math.sin, lon = this.center[0] / TILE * 360 - 180;
    const lat = Math.atan(Math.sinh(Math.PI * (1 - 2 * this.center[1] / TILE))) * 180 / Math.PI;
    setParams({ at: `${lat.toFixed(3)},${lon.toFixed(3)},${this.zoom}` }, false);
    if (zoomChanged) { clearTimeout(this.t); this.t = setTimeout(refresh, 150); }
  }
  popup(hit) {
    // the newest events of a cluster, and a way to zoom in on it
    const cl = hit.cl, box = el("div", { id: "popup", class: "popup", dir: "rtl" });
    box.appendChild(el("strong", {}, `${fmt(cl.n)} حدثاً`));
    box.appendChild(el("ul", { class: "plain" }, cl.sample.map((e) => el("li", {},
      el("a", { href: "/?event=" + encodeURIComponent(e.id) }, el("span", { class: "sw", style: { background: colour(e.event_type) } }), " ",
        e.place || "", " · ", e.date || "")))));
    if (cl.n > cl.sample.length) box.appendChild(el("div", { class: "meta" }, `… و${fmt(cl.n - cl.sample.length)} غيرها`));
    box.appendChild(el("button", { type: "button", id: "popup-zoom", onclick: () => {
      closePopup(); const [wx, wy] = project(cl.lat, cl.lon); this.center = [wx, wy]; this.zoomBy(2);
    } }, "تكبير"));
    box.style.left = Math.min(hit.x + 10, this.w - 260) + "px"; box.style.top = Math.max(hit.y - 20, 4) + "px";
    $("mapwrap").appendChild(box);
  }
  wire() {
    let drag = null, movedPx = 0;
    this.canvas.addEventListener("pointerdown", (e) => { drag = [e.clientX, e.clientY]; movedPx = 0; this.canvas.setPointerCapture(e.pointerId); });
    this.canvas.addEventListener("pointermove", (e) => {
      if (!drag) return; const s = this.scale(), dx = e.clientX - drag[0], dy = e.clientY - drag[1];
      movedPx += Math.abs(dx) + Math.abs(dy); this.center = [this.center[0] - dx / s, this.center[1] - dy / s]; drag = [e.clientX, e.clientY]; this.requestDraw();
    });
    this.canvas.addEventListener("pointerup", (e) => {
      const wasDrag = movedPx > 4; drag = null;
      if (wasDrag) { this.moved(false); return; }
      const r = this.canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
      const hit = (this.hits || []).slice().reverse().find((h) => Math.hypot(h.x - x, h.y - y) <= h.r + 2);
      closePopup();
      if (!hit) return;
      if (hit.cl.id) location.href = "/?event=" + encodeURIComponent(hit.cl.id);
      else this.popup(hit);
    });
    this.canvas.addEventListener("wheel", (e) => {
      e.preventDefault(); const r = this.canvas.getBoundingClientRect();
      this.zoomBy(e.deltaY < 0 ? 1 : -1, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    $("zoom-in").addEventListener("click", () => this.zoomBy(1));
    $("zoom-out").addEventListener("click", () => this.zoomBy(-1));
    window.addEventListener("resize", () => this.resize());
  }
}

function closePopup() { const p = $("popup"); if (p) p.remove(); }

// -- timeline -------------------------------------------------------------------------
function bucketEnd(start, bucket) {
  if (bucket === "day") return start;
  const d = new Date(start + "T00:00:00Z"); d.setUTCDate(d.getUTCDate() + 6); return d.toISOString().slice(0, 10);
}
function drawTimeline(view) {
  const box = clear($("timeline")), rows = view.timeline, p = params();
  const since = p.get("since"), until = p.get("until");
  const max = Math.max(1, ...rows.map(([, t]) => Object.values(t).reduce((a, b) => a + b, 0)));
  let down = null;
  const pick = (i, j) => {
    const a = Math.min(i, j), b = Math.max(i, j);
    setParams({ since: rows[a][0], until: bucketEnd(rows[b][0], view.bucket) }, false); syncFilterForm(); refresh();
  };
  rows.forEach(([start, types], i) => {
    const total = Object.values(types).reduce((a, b) => a + b, 0), end = bucketEnd(start, view.bucket);
    const inside = (!since || end >= since) && (!until || start <= until);
    const bar = el("div", { class: "bar" + ((since || until) ? (inside ? " sel" : " out") : ""), title: `${start}: ${total}`, "data-start": start });
    for (const [t, n] of Object.entries(types)) bar.appendChild(el("span", { style: { height: (100 * n / max) + "%", background: colour(t) } }));
    bar.addEventListener("mousedown", (e) => { e.preventDefault(); down = i; });
    bar.addEventListener("mouseup", () => { if (down !== null) pick(down, i); down = null; });
    box.appendChild(bar);
  });
  const axis = $("timeline-wrap").querySelector(".tl-axis") || $("timeline-wrap").appendChild(el("div", { class: "tl-axis" }));
  clear(axis);
  if (rows.length) { axis.appendChild(el("span", {}, rows[0][0])); axis.appendChild(el("span", {}, (view.bucket === "day" ? "يومي" : "أسبوعي"))); axis.appendChild(el("span", {}, rows[rows.length - 1][0])); }
}

// -- main view ------------------------------------------------------------------------
let MAP = null, seq = 0;
async function refresh() {
  updateExportLinks();
  const q = currentFilters(); q.set("zoom", MAP.zoom);
  const bucket = document.querySelector("input[name=bucket]:checked").value; q.set("bucket", bucket);
  const mine = ++seq; $("status").textContent = "…";
  const t0 = performance.now();
  const view = await getJSON("/api/view?" + q.toString());
  if (mine !== seq) return;
  $("status").textContent = `${Math.round(performance.now() - t0)} ms`;
  renderSummary(view); MAP.clusters = view.clusters; MAP.draw(); drawTimeline(view);
  if (mergedMode()) {
    const merged = await getJSON("/api/incidents?" + currentFilters().toString());
    if (mine !== seq) return;
    renderMergedList(merged);
  } else renderList(view);
  document.body.dataset.renderedAt = String(performance.now());  // read by bench/bench_workbench.py
}
function renderSummary(view) {
  const box = clear($("summary"));
  box.appendChild(el("span", {}, el("span", { class: "big", id: "event-count", "data-count": view.count }, fmt(view.count)), " حدثاً من أصل ", fmt(view.total)));
  box.appendChild(el("span", {}, "القتلى: ", fmt(view.fatalities)));
  if (view.unlocated) box.appendChild(el("span", { class: "meta" }, `${fmt(view.unlocated)} بلا إحداثيات (لا تظهر على الخريطة)`));
  const legend = clear($("legend"));
  for (const [t, n] of Object.entries(view.by_type)) legend.appendChild(el("div", {}, el("span", { class: "sw", style: { background: colour(t) } }), `${typeName(t)} (${fmt(n)})`));
}
function eventLine(e) {
  return el("a", { href: "/?event=" + encodeURIComponent(e.id), class: "event-link", "data-id": e.id },
    el("span", { class: "tag", style: { background: colour(e.event_type) } }, typeName(e.event_type)), " ",
    el("strong", {}, e.place_ar || e.place || "مكان غير معروف"), " · ", e.date || "",
    el("div", { class: "meta" }, [e.sub_event_type, e.admin1, e.country].filter(Boolean).join(" · "),
      e.fatalities ? ` · قتلى: ${e.fatalities}` : ""),
    el("div", { class: "meta title" }, e.title || ""));
}
function renderList(view) {
  const list = clear($("event-list"));
  list.dataset.mode = "reports"; list.dataset.count = String(view.count);
  for (const e of view.events) list.appendChild(el("li", {}, eventLine(e)));
  if (view.count > view.events.length) list.appendChild(el("li", { class: "meta" }, `… و${fmt(view.count - view.events.length)} غيرها (صدّرها لرؤيتها كلها)`));
}
function mergedLine(m) {
  return el("a", { href: "/?incident=" + encodeURIComponent(m.id), class: "incident-link", "data-id": m.id },
    el("span", { class: "tag", style: { background: colour(m.event_type) } }, typeName(m.event_type)), " ",
    el("strong", {}, m.place_ar || m.place || "مكان غير معروف"), " · ", m.date || "",
    el("div", { class: "meta" }, [m.sub_event_type, m.admin1, m.country].filter(Boolean).join(" · "),
      m.fatalities ? ` · قتلى: ${m.fatalities}` : ""),
    el("div", { class: "meta" }, `${fmt(m.report_count)} تقارير من ${fmt(m.source_count)} مصادر · ثقة الدمج ${m.merge_confidence}`));
}
function renderMergedList(data) {
  const list = clear($("event-list"));
  list.dataset.mode = "merged"; list.dataset.count = String(data.count);
  $("list-title").textContent = `الأحداث المدمجة (${fmt(data.count)})`;
  for (const m of data.incidents) list.appendChild(el("li", {}, mergedLine(m)));
  if (!data.incidents.length) list.appendChild(el("li", { class: "meta" }, "لا أحداث مدمجة (python -m pipelines.incidents --reprocess يدمج أرشيفاً قديماً)"));
  if (data.count > data.incidents.length) list.appendChild(el("li", { class: "meta" }, `… و${fmt(data.count - data.incidents.length)} غيرها (صدّرها لرؤيتها كلها)`));
}
async function startMap() {
  MAP = new EventMap($("map"));
  MAP.resize();
  document.querySelectorAll("input[name=bucket]").forEach((r) => r.addEventListener("change", refresh));
  $("tl-clear").addEventListener("click", () => { setParams({ since: null, until: null }, false); syncFilterForm(); refresh(); });
  refresh();
  if (META.basemap) {
    getJSON("/basemap/countries.json").then((base) => {
      MAP.setBase(base); $("credit").textContent = base.licence;
      document.body.dataset.basemapAt = String(performance.now());
      const wanted = new Set(META.countries);
      const codes = base.features.filter((f) => wanted.has(f.name) && f.iso).map((f) => f.iso);
      if (codes.length) getJSON("/basemap/admin1.json?iso=" + encodeURIComponent(codes.join(","))).then((a) => MAP.addAdmin1(a));
    });
  } else $("credit").textContent = "بلا خريطة أساس (ثبّت qgis-common)";
}

// -- pages ------------------------------------------------------------------------------
function fieldRows(obj, prefix, out) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) fieldRows(v, key, out);
    else out.push([key, Array.isArray(v) ? v.join("، ") : (v === null || v === undefined ? "—" : String(v))]);
  }
  return out;
}
function highlighted(text, ranges) {
  // ranges: [{start, end, cls}] in the text; overlapping ones after the first are skipped
  const box = el("div", { class: "article-text", dir: "auto" });
  let pos = 0;
  for (const r of ranges.filter((r) => r.start >= 0).sort((a, b) => a.start - b.start)) {
    if (r.start < pos) continue;
    box.appendChild(document.createTextNode(text.slice(pos, r.start)));
    box.appendChild(el("mark", { class: "evidence " + (r.cls || ""), id: r.id || null }, text.slice(r.start, r.end)));
    pos = r.end;
  }
  box.appendChild(document.createTextNode(text.slice(pos)));
  return box;
}
function findEvidence(text, ev) {
  const e = ev && ev.evidence; if (!e || !e.text || !text) return { start: -1 };
  if (Number.isInteger(e.start) && text.slice(e.start, e.end) === e.text) return { start: e.start, end: e.end };
  const i = text.indexOf(e.text); return i >= 0 ? { start: i, end: i + e.text.length } : { start: -1 };
}
function originalLink(article) {
  const href = safeHref(article.final_url || article.url);
  return href ? el("a", { href, rel: "noopener noreferrer", target: "_blank", id: "original-link" }, "المقال الأصلي ↗") : null;
}
async function eventPage(id) {
  const page = showPage();
  const data = await getJSON("/api/event?id=" + encodeURIComponent(id));
  const ev = data.event, art = data.article || {};
  page.appendChild(el("p", {}, el("a", { href: "/" }, "→ الخريطة")));
  page.appendChild(el("h2", {}, el("span", { class: "tag", style: { background: colour(ev.event_type) } }, typeName(ev.event_type)), " ",
    ev.sub_event_type || "", " · ", (ev.location && (ev.location.surface || ev.location.name_en)) || "", " · ", ev.date || ""));
  page.appendChild(el("p", {}, el("strong", { class: "article-title" }, art.title || ev.article_title || ""), " ", originalLink(art) || ""));
  const inc = data.incident;
  if (inc) page.appendChild(el("p", { class: "incident-ref" }, el("a", { href: "/?incident=" + encodeURIComponent(inc.id), id: "incident-link" },
    inc.report_count > 1 ? `الحدث المدمج: ${fmt(inc.report_count)} تقارير من ${fmt(inc.source_count)} مصادر (ثقة الدمج ${inc.merge_confidence})`
      : "الحدث المدمج: تقرير واحد")));
  const table = el("table", { class: "fields", dir: "ltr" });
  for (const [k, v] of fieldRows(ev, "", [])) table.appendChild(el("tr", {}, el("th", {}, k), el("td", { dir: "auto" }, v)));
  const found = findEvidence(art.text || "", ev);
  const ranges = [{ ...found, cls: "main", id: "evidence" }];
  page.appendChild(el("div", { class: "cols" },
    el("div", {}, el("h3", {}, "نص المقال"), found.start < 0 ? el("p", { class: "err" }, "لم يُعثر على جملة الدليل في النص المخزن: ", el("q", {}, (ev.evidence || {}).text || "")) : null,
      art.text ? highlighted(art.text, ranges) : el("p", { class: "meta" }, "لا نص مخزن")),
    el("div", {}, el("h3", {}, "الحقول"), table,
      el("h3", {}, "أحداث أخرى من المقال نفسه"),
      data.others.length ? el("ul", { class: "plain", id: "other-events" }, data.others.map((o) => el("li", {},
        el("a", { href: "/?event=" + encodeURIComponent(o.id) }, typeName(o.event_type), " · ", o.sub_event_type || "", " · ", o.place || "", " · ", o.date || ""))))
        : el("p", { class: "meta" }, "لا أحداث أخرى"))));
  page.appendChild(reviewBox(ev, data.reviews));
  const mark = $("evidence"); if (mark) mark.scrollIntoView({ block: "center" });
}
function reviewBox(ev, reviews) {
  const msg = el("p", { id: "review-msg", "aria-live": "polite" });
  const name = el("input", { id: "r-reviewer", value: localStorage.getItem("marsad-reviewer") || "", placeholder: "اسمك", maxlength: 100 });
  const note = el("input", { id: "r-note", placeholder: "ملاحظة (اختياري)", maxlength: 2000, size: 40 });
  const type = el("select", { id: "r-event_type" }, el("option", { value: "" }, "—"), META.event_type_choices.map((t) => el("option", { value: t }, typeName(t))));
  const sub = el("input", { id: "r-sub_event_type", placeholder: ev.sub_event_type || "" });
  const place = el("input", { id: "r-place", placeholder: (ev.location || {}).name_en || "" });
  const admin1 = el("input", { id: "r-admin1", placeholder: (ev.location || {}).admin1 || "" });
  const fatalities = el("input", { id: "r-fatalities", type: "number", min: 0, placeholder: ev.fatalities ?? "" });
  const list = el("ul", { class: "plain", id: "review-list" });
  const showReviews = (rs) => { clear(list); for (const r of rs) list.appendChild(el("li", {}, `${r.created_at} · ${r.reviewer} · ${r.verdict}`,
    Object.keys(r.corrections || {}).length ? " · " + JSON.stringify(r.corrections) : "", r.note ? " · " + r.note : "")); };
  showReviews(reviews);
  async function send(verdict) {
    const corrections = {};
    if (verdict === "corrected") {
      for (const [k, input] of [["event_type", type], ["sub_event_type", sub], ["place", place], ["admin1", admin1], ["fatalities", fatalities]])
        if (input.value !== "") corrections[k] = k === "fatalities" ? Number(input.value) : input.value;
    }
    localStorage.setItem("marsad-reviewer", name.value);
    const r = await fetch("/api/review", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Marsad-Token": META.token },
      body: JSON.stringify({ event_id: ev._id, verdict, corrections, reviewer: name.value, note: note.value }) });
    const body = await r.json().catch(() => ({}));
    if (r.ok) { msg.className = "ok"; msg.textContent = "حُفظت المراجعة"; reviews.push(body.review); showReviews(reviews); }
    else { msg.className = "err"; msg.textContent = "لم تُحفظ: " + (body.error || r.status); }
  }
  return el("section", { class: "review" }, el("h3", {}, "مراجعة"),
    el("p", { class: "meta" }, "تُحفظ المراجعات في مجموعة خاصة بها ولا تغيّر ما استخرجه المستخرج."),
    el("label", {}, "المراجع ", name), el("label", {}, note),
    el("div", {}, el("button", { type: "button", id: "r-correct", onclick: () => send("correct") }, "✔ صحيح"),
      el("button", { type: "button", id: "r-wrong", onclick: () => send("wrong") }, "✘ خطأ")),
    el("div", {}, el("label", {}, "النوع ", type), el("label", {}, "النوع الفرعي ", sub), el("label", {}, "المكان ", place),
      el("label", {}, "المحافظة ", admin1), el("label", {}, "القتلى ", fatalities),
      el("button", { type: "button", id: "r-corrected", onclick: () => send("corrected") }, "حفظ التصحيح")),
    msg, list);
}
const PRECISION = { 1: "اليوم", 2: "الأسبوع", 3: "الشهر" };
function actorName(a) { return (a && a.name) || "—"; }
function placeText(loc) {
  if (!loc) return "—";
  return [loc.surface, loc.name_en, loc.admin1, loc.country].filter(Boolean).filter((v, i, a) => a.indexOf(v) === i).join(" · ") || "—";
}
function reportCard(r, merged) {
  const art = r.article || {}, text = art.text || "";
  const rows = [
    ["النوع الفرعي", r.sub_event_type || "—", merged.sub_event_type || "—"],
    ["التاريخ", r.date || "—", merged.date || "—"],
    ["المكان", placeText(r.location), placeText(merged.location)],
    ["القتلى", String(r.fatalities || 0), String(merged.fatalities || 0)],
    ["الجرحى", r.injured == null ? "—" : String(r.injured), merged.injured == null ? "—" : String(merged.injured)],
    ["الفاعل 1", actorName(r.actor1), actorName(merged.actor1)],
    ["الفاعل 2", actorName(r.actor2), actorName(merged.actor2)],
  ];
  const table = el("table", { class: "fields report-fields" });
  for (const [k, v, m] of rows) table.appendChild(el("tr", { class: v === m ? null : "differs" }, el("th", {}, k), el("td", { dir: "auto" }, v)));
  table.appendChild(el("tr", {}, el("th", {}, "الصيغة · الثقة"), el("td", {}, `${r.modality || "—"} · ${r.confidence ?? "—"}`)));
  table.appendChild(el("tr", {}, el("th", {}, "التوافق مع بقية التقارير"), el("td", { class: "agreement" }, r.agreement == null ? "—" : String(r.agreement))));
  const found = findEvidence(text, r);
  const evidence = found.start >= 0 ? highlighted(text, [{ ...found, cls: "main" }])
    : el("div", { class: "article-text" }, el("mark", { class: "evidence main" }, (r.evidence || {}).text || ""));
  evidence.classList.add("report-text");
  const href = safeHref(art.final_url || r.article_url);
  return el("article", { class: "report", "data-event-id": r.event_id },
    el("h4", { class: "article-title", dir: "auto" }, art.title || r.article_title || "(بلا عنوان)"),
    el("p", { class: "meta" }, el("span", { class: "report-source" }, r.source_name || r.source || ""), " · ",
      el("span", { class: "report-time", dir: "ltr" }, r.report_time || "")),
    el("p", { class: "meta" }, r.event_exists ? el("a", { href: "/?event=" + encodeURIComponent(r.event_id) }, "صفحة التقرير") : "",
      " ", href ? el("a", { href, rel: "noopener noreferrer", target: "_blank" }, "المقال الأصلي ↗") : ""),
    table, evidence);
}
async function incidentPage(id) {
  const page = showPage();
  const data = await getJSON("/api/incident?id=" + encodeURIComponent(id));
  const inc = data.incident, loc = inc.location || {};
  page.appendChild(el("p", {}, el("a", { href: "/?list=merged" }, "→ الخريطة")));
  page.appendChild(el("h2", {}, el("span", { class: "tag", style: { background: colour(inc.event_type) } }, typeName(inc.event_type)), " ",
    inc.sub_event_type || "", " · ", loc.surface || loc.name_en || "", " · ", inc.date || ""));
  const rows = [
    ["التاريخ", `${inc.date || "—"} (دقة: ${PRECISION[inc.time_precision] || inc.time_precision || "—"})`],
    ["المكان", placeText(inc.location)],
    ["القتلى", `${inc.fatalities || 0} — ${inc.fatalities_rule || ""}${(inc.fatalities_reported || []).length ? " · الأرقام المنشورة: " + inc.fatalities_reported.join("، ") : ""}`],
    ["الجرحى", inc.injured == null ? "—" : String(inc.injured)],
    ["الفاعل 1", actorName(inc.actor1)], ["الفاعل 2", actorName(inc.actor2)],
    ["المصادر", inc.source_list || "—"],
    ["التقارير · المصادر · الكتابات المستقلة", `${inc.report_count} · ${inc.source_count} · ${inc.story_count}`],
    ["أول تقرير", inc.first_report || "—"],
    ["ثقة الدمج", String(inc.merge_confidence)],
  ];
  const table = el("table", { class: "fields", id: "incident-fields" });
  for (const [k, v] of rows) table.appendChild(el("tr", {}, el("th", {}, k), el("td", { dir: "auto" }, v)));
  page.appendChild(table);
  page.appendChild(el("h3", {}, `التقارير (${fmt(data.reports.length)}) جنباً إلى جنب`,
    el("span", { class: "meta" }, " — الحقول المظللة تخالف الحقل المدمج")));
  page.appendChild(el("div", { class: "reports", id: "reports" }, data.reports.map((r) => reportCard(r, inc))));
  for (const box of page.querySelectorAll(".report-text")) {  // each evidence sentence in view in its column
    const m = box.querySelector("mark"); if (m) box.scrollTop = Math.max(m.offsetTop - 24, 0);
  }
  document.body.dataset.incidentAt = String(performance.now());
}
async function articlePage(url) {
  const page = showPage();
  const data = await getJSON("/api/article?url=" + encodeURIComponent(url));
  const art = data.article, text = art.text || "";
  page.appendChild(el("p", {}, el("a", { href: "/?view=articles" }, "→ المقالات")));
  page.appendChild(el("h2", { class: "article-title" }, art.title || "(بلا عنوان)"));
  page.appendChild(el("p", { class: "meta" }, [art.source, art.published_local].filter(Boolean).join(" · "), " ", originalLink(art) || ""));
  const ranges = data.events.map((ev) => ({ ...findEvidence(text, ev), cls: "other" }));
  page.appendChild(el("div", { class: "cols" }, highlighted(text, ranges),
    el("div", {}, el("h3", {}, `الأحداث (${data.events.length})`), el("ul", { class: "plain" }, data.events.map((ev) => el("li", {},
      el("a", { href: "/?event=" + encodeURIComponent(ev._id) }, typeName(ev.event_type), " · ", ev.sub_event_type || "", " · ",
        (ev.location && (ev.location.surface || ev.location.name_en)) || "", " · ", ev.date || "")))))));
}
async function articlesPage() {
  const page = showPage(), p = params();
  const q = el("input", { type: "search", name: "q", id: "a-q", value: p.get("q") || "", placeholder: "ابحث في المقالات (لا تهم الهمزات والتشكيل والتاء المربوطة)" });
  const src = el("select", { name: "source", id: "a-source" }, el("option", { value: "" }, "كل المصادر"));
  const since = el("input", { type: "date", name: "since", id: "a-since", value: p.get("since") || "", title: "منشور منذ" });
  const until = el("input", { type: "date", name: "until", id: "a-until", value: p.get("until") || "", title: "منشور حتى" });
  const form = el("form", { class: "search", id: "article-search" }, q, src, since, until, el("button", { type: "submit" }, "بحث"));
  form.addEventListener("submit", (e) => { e.preventDefault(); setParams({ q: q.value, source: src.value, since: since.value, until: until.value, page: null }, true); articlesPage(); });
  page.appendChild(el("h2", {}, "المقالات"));
  page.appendChild(form);
  const pageNo = Number(p.get("page") || 0);
  const aq = new URLSearchParams({ q: p.get("q") || "", source: p.get("source") || "", since: p.get("since") || "", until: p.get("until") || "", page: pageNo });
  const data = await getJSON("/api/articles?" + aq.toString());
  for (const s of (data.sources || META.sources)) src.appendChild(el("option", { value: s, selected: s === p.get("source") }, s));
  const list = el("ul", { class: "plain", id: "article-list" });
  for (const a of data.articles) list.appendChild(el("li", {}, el("a", { href: "/?article=" + encodeURIComponent(a.url) }, a.title || a.url),
    el("div", { class: "meta" }, [a.source, a.published_local, `أحداث: ${a.event_count || 0}`].filter(Boolean).join(" · "))));
  if (!data.articles.length) list.appendChild(el("li", { class: "meta" }, "لا نتائج"));
  page.appendChild(list);
  const nav = el("p", {});
  if (pageNo > 0) nav.appendChild(el("a", { href: "?" + new URLSearchParams({ ...Object.fromEntries(p), page: pageNo - 1 }) }, "→ السابق "));
  if (data.more) nav.appendChild(el("a", { href: "?" + new URLSearchParams({ ...Object.fromEntries(p), page: pageNo + 1 }) }, " التالي ←"));
  page.appendChild(nav);
}
async function healthPage() {
  const page = showPage(), data = await getJSON("/api/health");
  page.appendChild(el("h2", {}, "صحة الزحف"));
  page.appendChild(el("p", {}, `في الأرشيف ${fmt(data.articles)} مقالاً و${fmt(data.events)} حدثاً.`));
  const runs = el("table", { class: "fields", id: "runs" }, el("tr", {}, ["المصادر", "البدء (UTC)", "المدة (ث)", "النتيجة", "الطلبات", "جديد", "محدّث", "مُسقط", "محجوب", "أخطاء الجلب"].map((h) => el("th", {}, h))));
  for (const r of data.runs) {
    const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
    runs.appendChild(el("tr", {}, [(r.sources || []).join("، "), r.started_at, r.duration_s, r.outcome, r.requests, (r.articles || {}).new, (r.articles || {}).updated, sum(r.dropped), r.blocked, sum(r.fetch_errors)].map((v) => el("td", {}, v ?? "—"))));
  }
  page.append(el("h3", {}, "آخر عمليات الزحف لكل مصدر"), runs);
  const drops = el("table", { class: "fields", id: "drops" }, el("tr", {}, el("th", {}, "المصدر"), el("th", {}, "السبب"), el("th", {}, "الصفحات")));
  for (const d of data.drops) drops.appendChild(el("tr", {}, el("td", {}, d.source || "—"), el("td", {}, d.reason), el("td", {}, d.n)));
  page.append(el("h3", {}, "الصفحات المُسقطة حسب السبب"), drops);
  const blocked = el("ul", { class: "plain", id: "blocked" });
  for (const b of data.blocked) blocked.appendChild(el("li", {}, el("span", { dir: "ltr" }, b.url), el("span", { class: "meta" }, ` · ${b.source || ""} · ${b.last_seen || ""} · ×${b.count || 1}`)));
  if (!data.blocked.length) blocked.appendChild(el("li", { class: "meta" }, "لا صفحات محجوبة"));
  page.append(el("h3", {}, "صفحات محجوبة (صفحات تحدٍّ)"), blocked);
}
function showPage() {
  $("view-map").hidden = true; $("filters").hidden = true;
  const page = clear($("view-page")); page.hidden = false; return page;
}

// -- start --------------------------------------------------------------------------------
async function main() {
  META = await getJSON("/api/meta");
  const p = params(), view = p.get("view");
  for (const a of document.querySelectorAll("header nav a")) a.classList.toggle("active", (a.dataset.view === (view || (p.get("event") || p.get("article") || p.get("incident") ? "" : "map"))));
  try {
    if (p.get("event")) return await eventPage(p.get("event"));
    if (p.get("incident")) return await incidentPage(p.get("incident"));
    if (p.get("article")) return await articlePage(p.get("article"));
    if (view === "articles") return await articlesPage();
    if (view === "health") return await healthPage();
    syncFilterForm(); wireFilters(); wireListMode(); await startMap();
  } catch (err) {
    const page = showPage(); page.appendChild(el("p", { class: "err" }, "خطأ: ", String(err.message || err)));
  }
}
window.addEventListener("popstate", () => location.reload());
document.addEventListener("DOMContentLoaded", main);
