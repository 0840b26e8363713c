// The wangge map page: grid levels 1-3 as outlines and cells filled by
// category or claim status, all from the server's vector tiles (/tiles);
// stats, login, details and claiming in a side panel. Plain ES module, no build step; MapLibre
// GL JS is the vendored global `maplibregl`.
//
// For tests: `window.wanggeMap` is the MapLibre map and `window.wanggeReady`
// a Promise that resolves once the first data is drawn.

import { I18N, CATEGORIES, CLAIM_COLORS } from './i18n.js';
import { labelPoint, LabelLayer } from './labels.js';
import { createAdmin } from './admin.js';

const { maplibregl } = window;
const API = 'api/v1';
// Absolute, unencoded: MapLibre fetches tiles from a worker.
const TILES = `${window.location.origin}${window.location.pathname.replace(/[^/]*$/, '')}tiles`;
const CELL_LABEL_MIN_ZOOM = 13;
const LEVEL2_LABEL_MIN_ZOOM = 9.5;
const MAX_CELL_LABELS = 250;
const PHONE_QUERY = '(max-width: 700px)';
const COLORS = {
  l1: '#1b1f24',
  l2: '#3d4650',
  l3: '#6b7580',
  invalid: '#d7191c',
  selected: '#00b4d8',
};

const params = new URLSearchParams(window.location.search);
const state = {
  lang: initialLang(),
  stats: null,
  typeNames: new Map(), // cell type code -> {zh, en}
  gridsByCode: new Map(), // levels 1-2 as GeoJSON, for labels
  territoryBbox: null,
  token: null, // bearer token of the logged-in user
  user: null, // /api/v1/me
  claims: new Map(), // cell code -> open claim (pending or active)
  fillMode: 'category', // or 'claims'
  lasso: null, // {codes} of the last lasso selection
  notice: null, // {text, isError} under the details
  visible: { 1: true, 2: true, 3: true, 4: true },
  selected: null, // {code, detail} or {code, error}
  selectSeq: 0,
};

// Administrators' edits and coverage fixes (admin.js); set once the map runs.
let admin = null;

// ---------- texts ----------

function initialLang() {
  const asked = params.get('lang');
  if (asked === 'en' || asked === 'zh') return asked;
  try {
    const saved = window.localStorage.getItem('wangge.lang');
    if (saved === 'en' || saved === 'zh') return saved;
  } catch { /* storage may be disabled; Chinese is the default */ }
  return 'zh';
}

function t(key) {
  return I18N[state.lang][key] ?? I18N.zh[key] ?? key;
}

function fmtInt(n) {
  return Number.isFinite(Number(n)) ? Number(n).toLocaleString(t('number_locale')) : '–';
}

function fmtArea(m2) {
  const v = Number(m2);
  if (!Number.isFinite(v)) return '–';
  if (v >= 1e5) {
    const km2 = v / 1e6;
    const digits = km2 >= 100 ? 0 : km2 >= 10 ? 1 : 2;
    return `${km2.toLocaleString(t('number_locale'), { maximumFractionDigits: digits })} ${t('sq_km')}`;
  }
  return `${Math.round(v).toLocaleString(t('number_locale'))} ${t('sq_m')}`;
}

function levelName(level) {
  return t(`level_${Number(level)}`);
}

function categoryName(cat) {
  return cat ? t(`cat_${cat}`) : '–';
}

function typeName(code, feature) {
  const known = state.typeNames.get(String(code));
  if (known) return state.lang === 'en' ? known.en : known.zh;
  const p = feature?.properties;
  if (p) return state.lang === 'en' ? p.type_name_en : p.type_name_zh;
  return '';
}

function applyTexts() {
  document.documentElement.lang = t('html_lang');
  document.title = t('doc_title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
    el.title = t(el.dataset.i18nLabel);
  }
  updatePanelToggle();
  renderStats();
  renderAccount();
  renderDetails();
}

function setLang(lang) {
  state.lang = lang;
  try { window.localStorage.setItem('wangge.lang', lang); } catch { /* not kept */ }
  applyTexts();
  // Texts built from data: build them again.
  if (rates.on) setRates(true);
  if (document.getElementById('h3-toggle').checked) setH3(true);
}

// ---------- small DOM helpers ----------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'style') el.style.cssText = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// replaceChildren, leaving out null / undefined / false (which it would print).
function fill(el, ...kids) {
  el.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
}

function setStatus(text, isError = false) {
  const el = document.getElementById('status');
  el.textContent = text || '';
  el.hidden = !text;
  el.classList.toggle('error', isError);
}

// ---------- data ----------

async function fetchJson(path, signal, init = {}) {
  const headers = { Accept: 'application/json' };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const res = await fetch(path, {
    signal, method: init.method || 'GET', headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) {
    const err = new Error(body?.message || `${res.status} ${res.statusText}`);
    err.status = res.status;
    err.body = body;
    throw err;
  }
  return body;
}

function postJson(path, body) {
  return fetchJson(path, undefined, { method: 'POST', body });
}

function extendBbox(b, geometry) {
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      if (c[0] < b[0]) b[0] = c[0];
      if (c[1] < b[1]) b[1] = c[1];
      if (c[0] > b[2]) b[2] = c[0];
      if (c[1] > b[3]) b[3] = c[1];
    } else c.forEach(visit);
  };
  if (geometry?.coordinates) visit(geometry.coordinates);
  return b;
}

function bboxOf(features) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features) extendBbox(b, f.geometry);
  return Number.isFinite(b[0]) ? b : null;
}

function contains(outer, inner) {
  return outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
}

function intersect(a, b) {
  const r = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  return r[0] <= r[2] && r[1] <= r[3] ? r : null;
}

function viewBbox() {
  const b = map.getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
}

function bboxParam(b) {
  return b.map((v) => v.toFixed(5)).join(',');
}

// Adds computed label points once, so labels need no geometry work later.
function indexFeatures(features, byCode) {
  for (const f of features) {
    const p = f.properties || {};
    if (!p.code) continue;
    byCode.set(p.code, f);
  }
}

// Levels 1 and 2 as GeoJSON, for their labels and the first view only: the
// map draws every level from the vector tiles.
async function loadGrids() {
  const levels = await Promise.all([1, 2].map((level) => fetchJson(`${API}/grids?level=${level}`)));
  const features = levels.flatMap((fc) => fc.features || []);
  for (const f of features) f.properties.level = Number(f.properties.level);
  indexFeatures(features, state.gridsByCode);
  state.territoryBbox = bboxOf(levels[0].features || []) || bboxOf(features);
}

async function loadStats() {
  try {
    state.stats = await fetchJson(`${API}/stats`);
    for (const ty of state.stats.by_type || []) {
      state.typeNames.set(String(ty.code), { zh: ty.name_zh, en: ty.name_en });
    }
  } catch (err) {
    state.stats = { error: err.message };
  }
  renderStats();
}

// ---------- map ----------

// Diagonal red stripes for invalid geometries, built as raw pixels (no canvas).
function hatchImage() {
  const size = 8;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      if ((x + y) % size < 2) data.set([215, 25, 28, 255], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

function baseStyle() {
  const style = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0f2' } }],
  };
  // An optional raster base map, e.g. ?tiles=https://tiles.example/{z}/{x}/{y}.png
  const tiles = params.get('tiles');
  if (tiles && tiles.includes('{z}')) {
    style.sources.base = { type: 'raster', tiles: [tiles], tileSize: 256 };
    style.layers.push({ id: 'base', type: 'raster', source: 'base' });
  }
  return style;
}

const categoryColor = ['match', ['get', 'category'],
  ...CATEGORIES.flatMap((c) => [c.key, c.color]), '#cccccc'];
const isInvalid = ['has', 'invalid'];
const claimColor = ['match', ['coalesce', ['feature-state', 'claim'], 'none'],
  ...CLAIM_COLORS.flatMap((c) => [c.key, c.color]), '#d9d9d9'];
const byZoom = (...stops) => ['interpolate', ['linear'], ['zoom'], ...stops];

function levelFilter(level) {
  return ['==', ['get', 'level'], level];
}

function addLayers() {
  map.addImage('hatch', hatchImage());
  map.addSource('cells', { type: 'vector', tiles: [`${TILES}/cells/{z}/{x}/{y}.mvt`],
    maxzoom: 16, promoteId: { cells: 'code' } });
  map.addSource('grids', { type: 'vector', tiles: [`${TILES}/grids/{z}/{x}/{y}.mvt`],
    maxzoom: 14, promoteId: { grids: 'code' } });
  const none = ['==', ['get', 'code'], ''];
  const layers = [
    { id: 'cells-fill', type: 'fill', source: 'cells', level: 4,
      paint: { 'fill-color': state.fillMode === 'claims' ? claimColor : categoryColor,
        'fill-opacity': byZoom(8, 0.8, 14, 0.6) } },
    { id: 'cells-invalid', type: 'fill', source: 'cells', level: 4, filter: isInvalid,
      paint: { 'fill-pattern': 'hatch' } },
    { id: 'cells-line', type: 'line', source: 'cells', level: 4,
      paint: { 'line-color': '#ffffff', 'line-opacity': byZoom(8, 0.35, 12, 0.8),
        'line-width': byZoom(8, 0.2, 12, 0.6, 16, 1.2) } },
    // Invisible fills so a click inside a grid finds it when cells are off.
    ...[1, 2, 3].map((level) => ({ id: `grids-hit-${level}`, type: 'fill', source: 'grids', level,
      filter: levelFilter(level), paint: { 'fill-color': '#000000', 'fill-opacity': 0 } })),
    { id: 'grids-line-3', type: 'line', source: 'grids', level: 3, filter: levelFilter(3),
      paint: { 'line-color': COLORS.l3, 'line-opacity': byZoom(8, 0.55, 11, 0.9),
        'line-width': byZoom(8, 0.4, 12, 1, 16, 1.6) } },
    { id: 'grids-line-2', type: 'line', source: 'grids', level: 2, filter: levelFilter(2),
      paint: { 'line-color': COLORS.l2, 'line-width': byZoom(8, 1, 12, 2, 16, 3) } },
    { id: 'grids-casing-1', type: 'line', source: 'grids', level: 1, filter: levelFilter(1),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#ffffff', 'line-opacity': 0.8, 'line-width': byZoom(8, 4.5, 12, 7, 16, 9) } },
    { id: 'grids-line-1', type: 'line', source: 'grids', level: 1, filter: levelFilter(1),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': COLORS.l1, 'line-width': byZoom(8, 2.2, 12, 3.5, 16, 5) } },
    { id: 'grids-invalid', type: 'line', source: 'grids', filter: isInvalid,
      paint: { 'line-color': COLORS.invalid, 'line-width': byZoom(8, 1.5, 12, 2.5),
        'line-dasharray': [2, 1.5] } },
    { id: 'cells-invalid-line', type: 'line', source: 'cells', level: 4, filter: isInvalid,
      paint: { 'line-color': COLORS.invalid, 'line-width': byZoom(8, 0.8, 12, 1.5) } },
    { id: 'selected-casing', type: 'line', source: 'grids', filter: none,
      paint: { 'line-color': '#ffffff', 'line-width': 7 } },
    { id: 'selected-grid', type: 'line', source: 'grids', filter: none,
      paint: { 'line-color': COLORS.selected, 'line-width': 4 } },
    { id: 'selected-cell-casing', type: 'line', source: 'cells', filter: none,
      paint: { 'line-color': '#ffffff', 'line-width': 6 } },
    { id: 'selected-cell', type: 'line', source: 'cells', filter: none,
      paint: { 'line-color': COLORS.selected, 'line-width': 3.5 } },
  ];
  for (const { level, ...layer } of layers) {
    layer['source-layer'] = layer.source;
    map.addLayer(layer);
    if (level) levelLayers[level].push(layer.id);
  }
}

const levelLayers = { 1: [], 2: [], 3: [], 4: [] };

function applyVisibility() {
  for (const level of [1, 2, 3, 4]) {
    for (const id of levelLayers[level]) {
      map.setLayoutProperty(id, 'visibility', state.visible[level] ? 'visible' : 'none');
    }
  }
  const shown = [1, 2, 3].filter((l) => state.visible[l]);
  map.setFilter('grids-invalid', ['all', isInvalid, ['in', ['get', 'level'], ['literal', shown]]]);
  updateLabels();
}

function setSelectedHighlight(code, level) {
  const match = ['==', ['get', 'code'], code || ''];
  const none = ['==', ['get', 'code'], ''];
  const isCell = Number(level) === 4;
  map.setFilter('selected-casing', isCell ? none : match);
  map.setFilter('selected-grid', isCell ? none : match);
  map.setFilter('selected-cell-casing', isCell ? match : none);
  map.setFilter('selected-cell', isCell ? match : none);
}

// ---------- labels ----------

let labels;

function labelCandidates(features, className, max) {
  const out = [];
  for (const f of features) {
    const p = f.properties;
    if (!p.name) continue;
    if (!f.labelAt) f.labelAt = labelPoint(f.geometry);
    if (!f.labelAt) continue;
    out.push({ key: `${className}:${p.code}`, text: p.name, lngLat: f.labelAt, className,
      area: Number(p.area_m2) || 0 });
    if (out.length >= max) break;
  }
  return out.sort((a, b) => b.area - a.area);
}

function updateLabels() {
  if (!labels) return;
  const zoom = map.getZoom();
  const grids = [...state.gridsByCode.values()];
  let candidates = [];
  if (zoom >= CELL_LABEL_MIN_ZOOM && state.visible[4]) {
    const seen = new Set();
    const visible = [];
    for (const f of map.queryRenderedFeatures({ layers: ['cells-fill'] })) {
      const code = f.properties.code;
      if (seen.has(code)) continue;
      seen.add(code);
      visible.push({ properties: f.properties, geometry: f.geometry });
    }
    candidates = labelCandidates(visible, 'lbl-cell', MAX_CELL_LABELS);
  } else if (zoom >= LEVEL2_LABEL_MIN_ZOOM && state.visible[2]) {
    candidates = labelCandidates(grids.filter((f) => f.properties.level === 2), 'lbl-l2', Infinity);
  } else if (zoom < LEVEL2_LABEL_MIN_ZOOM && state.visible[1]) {
    candidates = labelCandidates(grids.filter((f) => f.properties.level === 1), 'lbl-l1', Infinity);
  }
  labels.show(candidates, panelObstacle());
}

// The panel floats over the map: labels under it would be hidden, so keep them out.
function panelObstacle() {
  const panel = document.getElementById('panel');
  const p = panel.getBoundingClientRect();
  const c = map.getCanvas().getBoundingClientRect();
  if (!p.width || !p.height) return [];
  return [[p.left - c.left, p.top - c.top, p.right - c.left, p.bottom - c.top]];
}

// ---------- panel ----------

function isPhone() {
  return window.matchMedia(PHONE_QUERY).matches;
}

function setPanelOpen(open) {
  document.getElementById('panel').classList.toggle('collapsed', !open);
  updatePanelToggle();
  updateLabels();
}

function updatePanelToggle() {
  const panel = document.getElementById('panel');
  const btn = document.getElementById('panel-toggle');
  const open = !panel.classList.contains('collapsed');
  btn.setAttribute('aria-expanded', String(open));
  btn.setAttribute('aria-label', t(open ? 'panel_collapse' : 'panel_expand'));
  btn.title = t(open ? 'panel_collapse' : 'panel_expand');
}

function renderStats() {
  const s = state.stats;
  const levelsEl = document.getElementById('level-rows');
  const catsEl = document.getElementById('category-rows');
  const overviewEl = document.getElementById('overview-rows');
  const typesEl = document.getElementById('type-rows');
  const territoryEl = document.getElementById('territory');
  territoryEl.textContent = typeof s?.territory === 'string' ? s.territory
    : s?.territory?.name ?? '';
  const byLevel = (s?.by_level || []).map((v) => (typeof v === 'object' && v ? v.count ?? v.grids ?? v.cells : v));

  levelsEl.replaceChildren(...[1, 2, 3, 4].map((level) => h('li', { class: 'row' },
    h('label', { class: 'toggle' },
      h('input', { type: 'checkbox', 'data-level': level, checked: state.visible[level],
        onchange: (e) => { state.visible[level] = e.target.checked; applyVisibility(); } }),
      h('span', { class: `swatch-line l${level}` }),
      h('span', { class: 'name' }, levelName(level))),
    h('span', { class: 'count', 'data-stat': `level-${level}` }, fmtInt(byLevel[level - 1])))));

  const byCat = new Map((s?.by_category || []).map((c) => [c.category, c.cells]));
  catsEl.replaceChildren(
    ...CATEGORIES.map((c) => h('li', { class: 'row' },
      h('span', { class: 'legend-key' },
        h('span', { class: 'swatch', style: `background:${c.color}` }),
        h('span', { class: 'name' }, categoryName(c.key))),
      h('span', { class: 'count', 'data-stat': `category-${c.key}` }, fmtInt(byCat.get(c.key))))),
    h('li', { class: 'row' },
      h('span', { class: 'legend-key' },
        h('span', { class: 'swatch hatch' }),
        h('span', { class: 'name' }, t('invalid_geometry'))),
      h('span', { class: 'count', 'data-stat': 'invalid' }, fmtInt(s?.invalid_geometries))),
  );

  overviewEl.replaceChildren(...[
    ['outlets', s?.outlets],
    ['level3_without_outlet', s?.level3_without_outlet],
    ['users', s?.users],
  ].map(([key, v]) => h('li', { class: 'row' }, h('span', { class: 'name' }, t(key)),
    h('span', { class: 'count', 'data-stat': key }, fmtInt(v)))));

  typesEl.replaceChildren(...(s?.by_type || []).map((ty) => h('li', { class: 'row' },
    h('span', { class: 'legend-key' },
      h('span', { class: 'swatch small', style: `background:${CATEGORIES.find((c) => c.key === ty.category)?.color || '#ccc'}` }),
      h('span', { class: 'name' }, `${ty.code} ${state.lang === 'en' ? ty.name_en : ty.name_zh}`)),
    h('span', { class: 'count' }, fmtInt(ty.cells)))));

  document.getElementById('stats-error').textContent = s?.error ? t('load_failed') + s.error : '';
}

function renderDetails() {
  const el = document.getElementById('details-body');
  const section = document.getElementById('details');
  const sel = state.selected;
  section.classList.toggle('has-selection', Boolean(sel));
  if (!sel) {
    el.replaceChildren(h('p', { class: 'hint' }, t('details_hint')));
    return;
  }
  if (sel.error) {
    el.replaceChildren(h('p', { class: 'error' }, `${sel.code}: ${sel.error}`));
    return;
  }
  if (!sel.detail) {
    el.replaceChildren(h('p', { class: 'hint' }, `${sel.code} …`));
    return;
  }
  const { grid, chain = [], child_counts: childCounts = {} } = sel.detail;
  const level = Number(grid.level);
  const rows = [
    [t('code'), h('code', { class: 'grid-code' }, grid.code)],
    [t('level'), level === 4 ? t('level_4_one') : levelName(level)],
  ];
  if (grid.cell_type) rows.push([t('type'), `${grid.cell_type} ${typeName(grid.cell_type, sel.feature)}`]);
  if (grid.category) {
    const color = CATEGORIES.find((c) => c.key === grid.category)?.color || '#ccc';
    rows.push([t('category'), h('span', { class: 'legend-key' },
      h('span', { class: 'swatch small', style: `background:${color}` }), categoryName(grid.category))]);
  }
  rows.push([t('area'), fmtArea(grid.area_m2)]);
  rows.push([t('geometry'), grid.valid === false
    ? h('span', { class: 'bad' }, `${t('invalid')}${grid.invalid_reason ? `：${grid.invalid_reason}` : ''}`)
    : t('valid')]);
  if (level === 3) {
    const outlet = typeof grid.outlet === 'object' && grid.outlet ? grid.outlet.name || grid.outlet.code : grid.outlet;
    rows.push([t('outlet'), outlet || h('span', { class: 'bad' }, t('no_outlet'))]);
  }
  if (chain.length) {
    const items = [...chain].reverse().map((a) => h('button', { type: 'button', class: 'link',
      title: `${levelName(a.level)} ${a.code}`, onclick: () => select(a.code, a.level, null, true) }, a.name || a.code));
    const trail = h('span', { class: 'chain' });
    items.forEach((item, i) => { if (i) trail.append(' › '); trail.append(item); });
    rows.push([t('chain'), trail]);
  }
  const kids = Object.entries(childCounts)
    .filter(([l]) => Number(l) > level)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([l, n]) => `${levelName(l)} ${fmtInt(n)}`);
  if (kids.length) rows.push([t('children'), kids.join(' · ')]);

  fill(el,
    h('div', { class: 'details-head' },
      h('h3', { class: 'details-name' }, grid.name || grid.code),
      h('button', { type: 'button', class: 'icon', 'aria-label': t('close'), title: t('close'),
        onclick: () => select(null) }, '×')),
    h('dl', {}, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    level === 4 ? claimBlock(grid.code, sel) : null,
    admin?.detailsBlock(sel),
    state.notice ? h('p', { class: state.notice.isError ? 'error notice' : 'ok notice' }, state.notice.text) : null,
  );
}

// ---------- claims ----------

function claimKind(c) {
  if (!c) return 'none';
  if (c.status === 'pending') return 'pending';
  return state.user && c.manager?.id === state.user.id ? 'mine' : 'other';
}

function applyClaimStates() {
  if (!map.getSource('cells')) return;
  map.removeFeatureState({ source: 'cells', sourceLayer: 'cells' });
  for (const [code, c] of state.claims) {
    map.setFeatureState({ source: 'cells', sourceLayer: 'cells', id: code }, { claim: claimKind(c) });
  }
  renderAccount();
}

async function loadClaims() {
  state.claims = new Map();
  if (state.token) {
    try {
      const r = await fetchJson(`${API}/claims?status=pending,active&limit=10000`);
      for (const c of r.claims || []) state.claims.set(c.cell, c);
    } catch (err) {
      setStatus(t('load_failed') + err.message, true);
    }
  }
  applyClaimStates();
}

function setClaim(code, claim) {
  if (claim && (claim.status === 'pending' || claim.status === 'active')) state.claims.set(code, claim);
  else state.claims.delete(code);
  map.setFeatureState({ source: 'cells', sourceLayer: 'cells', id: code }, { claim: claimKind(claim) });
}

function refusalText(err) {
  const b = err.body || {};
  if (Array.isArray(b.refusals) && b.refusals.length) {
    return t('refused') + b.refusals.map((r) => `${r.cell}: ${r.message || r.reason}`).join('; ');
  }
  return t('refused') + (b.message || err.message) + (b.reason ? ` (${b.reason})` : '');
}

async function claimStep(code, action) {
  try {
    const r = await postJson(`${API}/cells/${encodeURIComponent(code)}/${action}`, {});
    setClaim(code, r.claim);
    state.notice = null;
  } catch (err) {
    state.notice = { text: refusalText(err), isError: true };
  }
  renderAccount();
  if (state.selected?.code === code) {
    renderDetails();
    loadCellExtras(code, state.selectSeq);
  }
}

function claimBlock(code, sel) {
  if (!state.token) return null;
  const c = state.claims.get(code);
  const kind = claimKind(c);
  const rows = [[t('claim_state'), h('span', { class: `claim-badge claim-${kind}`, 'data-claim': kind }, t(`claim_${kind}`))]];
  if (c) rows.push([t('owner'), c.manager?.name || '–']);
  const extras = sel.extras || {};
  if (extras.customers !== undefined) rows.push([t('customers'), fmtInt(extras.customers)]);
  if (extras.resources !== undefined) rows.push([t('resources'), fmtInt(extras.resources)]);
  const buttons = [];
  if (kind === 'none') {
    buttons.push(h('button', { type: 'button', class: 'primary', id: 'claim-btn', onclick: () => claimStep(code, 'claim') }, t('claim')));
  } else if (kind === 'mine' || (kind === 'pending' && c.manager?.id === state.user?.id)) {
    buttons.push(h('button', { type: 'button', id: 'release-btn', onclick: () => claimStep(code, 'release') }, t('release')));
  }
  const history = (extras.history || []).slice(-5).reverse();
  return h('div', { class: 'claim-block' },
    h('dl', {}, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    extras.cellDataDenied ? h('p', { class: 'hint', id: 'cell-data-denied' }, t('cell_data_denied')) : null,
    buttons.length ? h('div', { class: 'actions' }, buttons) : null,
    extras.history ? h('div', { class: 'history' },
      h('h4', {}, t('history')),
      history.length ? h('ol', {}, history.map((e) => h('li', {},
        `${new Date(e.at_ms).toLocaleString(t('number_locale'))} · ${t(`act_${e.action}`)} · ${e.actor}`
        + (e.status ? ` → ${t(`st_${e.status}`)}` : '')))) : h('p', { class: 'hint' }, t('no_history'))) : null);
}

// Customers, resources and history of a selected cell (each may be refused
// to this user: then it is simply not shown).
async function loadCellExtras(code, seq) {
  const enc = encodeURIComponent(code);
  const count = (r) => r?.total ?? r?.count ?? (Array.isArray(r?.items) ? r.items.length
    : Array.isArray(r?.features) ? r.features.length : undefined);
  // Asked only when the server would answer (no 403 for a manager's neighbour cell).
  const cellData = mayReadCell(code, state.selected?.detail?.chain);
  const [customers, resources, history] = await Promise.all([
    cellData ? fetchJson(`${API}/cells/${enc}/customers?limit=1`).catch(() => null) : null,
    cellData ? fetchJson(`${API}/cells/${enc}/resources?limit=1`).catch(() => null) : null,
    fetchJson(`${API}/cells/${enc}/history`).catch(() => null),
  ]);
  if (seq !== state.selectSeq || !state.selected) return;
  state.selected.extras = { customers: count(customers), resources: count(resources), history: history?.history,
    cellDataDenied: !cellData };
  renderDetails();
}

// ---------- account ----------

async function restoreSession() {
  try { state.token = window.sessionStorage.getItem('wangge.token'); } catch { state.token = null; }
  if (state.token) {
    try {
      state.user = await fetchJson(`${API}/me`);
    } catch {
      state.token = null;
      state.user = null;
    }
  }
  if (state.user?.role === 'grid_manager') setFillMode('claims');
  await loadClaims();
}

async function login(name, password) {
  const r = await postJson(`${API}/auth/login`, { name, password });
  state.token = r.token;
  try { window.sessionStorage.setItem('wangge.token', r.token); } catch { /* this page only */ }
  state.user = await fetchJson(`${API}/me`);
  setFillMode(state.user.role === 'grid_manager' ? 'claims' : state.fillMode);
  await loadClaims();
  renderDetails();
}

async function logout() {
  try { await postJson(`${API}/auth/logout`, {}); } catch { /* the token is dropped anyway */ }
  state.token = null;
  state.user = null;
  try { window.sessionStorage.removeItem('wangge.token'); } catch { /* nothing kept */ }
  await loadClaims();
  renderDetails();
}

function setFillMode(mode) {
  state.fillMode = mode;
  if (map.getLayer('cells-fill')) {
    map.setPaintProperty('cells-fill', 'fill-color', mode === 'claims' ? claimColor : categoryColor);
  }
  renderAccount();
}

function renderAccount() {
  const el = document.getElementById('account-body');
  if (!el) return;
  admin?.render();
  renderGeocode();
  renderOpsAccess();
  updateLassoControl();
  const modes = h('div', { class: 'fill-mode', role: 'radiogroup' },
    h('span', { class: 'name' }, t('fill_by')),
    ...['category', 'claims'].map((m) => h('label', {},
      h('input', { type: 'radio', name: 'fill-mode', value: m, checked: state.fillMode === m,
        onchange: () => setFillMode(m) }), t(`fill_${m}`))));
  const legend = state.fillMode === 'claims' ? h('ul', { class: 'rows claim-legend' },
    CLAIM_COLORS.map((c) => h('li', { class: 'row' }, h('span', { class: 'legend-key' },
      h('span', { class: 'swatch', style: `background:${c.color}` }), h('span', { class: 'name' }, t(`claim_${c.key}`)))))) : null;
  if (!state.user) {
    const err = h('p', { class: 'error', id: 'login-error' });
    const form = h('form', { id: 'login-form', class: 'login' },
      h('input', { name: 'name', autocomplete: 'username', placeholder: t('user_name'), 'aria-label': t('user_name'), required: true }),
      h('input', { name: 'password', type: 'password', autocomplete: 'current-password', placeholder: t('password'), 'aria-label': t('password'), required: true }),
      h('button', { type: 'submit', class: 'primary' }, t('login')), err);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const data = new FormData(form);
      login(String(data.get('name')), String(data.get('password'))).catch((error) => {
        err.textContent = t('login_failed') + error.message;
      });
    });
    fill(el, form, modes, legend);
    return;
  }
  const mine = [...state.claims.values()].filter((c) => claimKind(c) === 'mine' || (c.status === 'pending' && c.manager?.id === state.user.id));
  fill(el,
    h('div', { class: 'who' }, h('strong', { id: 'user-name' }, state.user.name), ` · ${t(`role_${state.user.role}`)}`,
      h('button', { type: 'button', class: 'link', id: 'logout', onclick: logout }, t('logout'))),
    modes, legend,
    state.user.role === 'grid_manager' || mine.length ? h('details', { class: 'my-cells', open: mine.length > 0 && mine.length <= 12 },
      h('summary', {}, `${t('my_cells')} (${fmtInt(mine.length)})`),
      h('ul', {}, mine.slice(0, 200).map((c) => h('li', {}, h('button', { type: 'button', class: 'link',
        onclick: () => select(c.cell, 4, null, true) }, `${c.cell} ${c.cell_name || ''}`))))) : null,
    state.user.role === 'grid_manager' ? h('p', { class: 'hint' }, t('lasso_hint')) : null,
  );
}

// ---------- clerks: upload a CSV, pick the address column, follow the job ----------

const geocodeJob = { bytes: null, timer: null, last: null, column: '', points: null, urls: [], popup: null };
// Point colours by geocoding status; failed rows have no point. Drawn
// with a dark ring on a white halo so they stand out on any cell colour.
const GEOCODE_STATUSES = [
  { key: 'matched', color: '#00c060' },
  { key: 'partial', color: '#ffae00' },
  { key: 'ambiguous', color: '#e0007a' },
  { key: 'failed', color: null },
];
const GEOCODE_LAYERS = ['geocode-halo', 'geocode-points'];

function decodeCsv(bytes) {
  try { return new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { return new TextDecoder('gbk').decode(bytes); }
}

// CSV as the server writes it (RFC 4180): a quoted field may hold commas,
// line breaks and doubled quotes. A stray quote inside an unquoted field is
// kept as it is.
function parseCsv(text) {
  const rows = [];
  const re = /(?:"((?:[^"]|"")*)"|([^,\r\n]*))(,|\r\n|\n|\r|$)/y;
  let row = [];
  while (re.lastIndex < text.length) {
    const m = re.exec(text);
    row.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]);
    if (m[3] !== ',') {
      rows.push(row);
      row = [];
      if (m[3] === '') break;
    } else if (re.lastIndex === text.length) {
      row.push(''); // a last empty field after a final comma
    }
  }
  if (row.length) rows.push(row);
  return rows;
}

// The result CSV as points: every row with coordinates that did not fail,
// and the counts per status.
function resultPoints(text, column) {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''));
  const header = (rows.shift() || []).map((c) => c.trim());
  // The added columns come last (an input may have a lon column of its own).
  const at = (name) => header.lastIndexOf(name);
  const col = { lon: at('lon'), lat: at('lat'), precision: at('precision'), confidence: at('confidence'),
    status: at('status'), reason: at('reason') };
  const norm = (c) => c.trim().toLowerCase();
  const address = header.findIndex((c) => norm(c) === norm(column));
  const counts = Object.fromEntries(GEOCODE_STATUSES.map((s) => [s.key, 0]));
  const features = [];
  rows.forEach((r, i) => {
    if (r.length === 1 && r[0] === '') return; // a blank line
    const status = r[col.status];
    if (status in counts) counts[status] += 1;
    const lon = Number.parseFloat(r[col.lon]);
    const lat = Number.parseFloat(r[col.lat]);
    if (status === 'failed' || !Number.isFinite(lon) || !Number.isFinite(lat)) return;
    features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] },
      properties: { row: i + 2, status, address: address >= 0 ? r[address] : '', precision: r[col.precision] || '',
        confidence: r[col.confidence] || '', reason: r[col.reason] || '' } });
  });
  return { counts, features };
}

function geocodeColorExpr() {
  return ['match', ['get', 'status'],
    ...GEOCODE_STATUSES.filter((s) => s.color).flatMap((s) => [s.key, s.color]), '#888888'];
}

function applyGeocodeVisibility() {
  if (!map.getLayer('geocode-points')) return;
  const on = document.getElementById('geocode-layer-toggle').checked
    && !document.getElementById('geocode').hidden && Boolean(geocodeJob.points);
  for (const id of GEOCODE_LAYERS) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  if (!on) geocodeJob.popup?.remove();
}

// Draws the geocoded rows over the grid and zooms to them.
function showGeocodeResults() {
  const data = { type: 'FeatureCollection', features: geocodeJob.points?.features || [] };
  if (!map.getSource('geocode-results')) {
    map.addSource('geocode-results', { type: 'geojson', data });
    map.addLayer({ id: 'geocode-halo', type: 'circle', source: 'geocode-results',
      paint: { 'circle-color': '#ffffff', 'circle-radius': byZoom(8, 9, 14, 13), 'circle-opacity': 0.9 } });
    map.addLayer({ id: 'geocode-points', type: 'circle', source: 'geocode-results',
      paint: { 'circle-color': geocodeColorExpr(), 'circle-radius': byZoom(8, 5, 14, 8),
        'circle-stroke-color': '#1b1f24', 'circle-stroke-width': 2 } });
  } else {
    map.getSource('geocode-results').setData(data);
  }
  applyGeocodeVisibility();
  const b = bboxOf(data.features);
  if (b) map.fitBounds(b, { padding: fitPadding(), maxZoom: 15 });
}

// The geocoded point under a click, if the layer is shown (a few pixels of slack).
function geocodePointAt(point) {
  if (!map.getLayer('geocode-points') || map.getLayoutProperty('geocode-points', 'visibility') === 'none') return null;
  const box = [[point.x - 4, point.y - 4], [point.x + 4, point.y + 4]];
  return map.queryRenderedFeatures(box, { layers: ['geocode-points'] })[0] || null;
}

function showGeocodePopup(f) {
  const p = f.properties;
  const rows = [
    [t('geocode_row'), String(p.row)],
    [t('geocode_address'), p.address || '–'],
    [t('geocode_status'), t(`gstatus_${p.status}`)],
    [t('geocode_precision'), p.precision ? t(`precision_${p.precision}`) : '–'],
    [t('geocode_confidence'), p.confidence || '–'],
    [t('geocode_reason'), p.reason || '–'],
  ];
  geocodeJob.popup?.remove();
  geocodeJob.popup = new maplibregl.Popup({ maxWidth: '320px' })
    .setLngLat(f.geometry.coordinates)
    .setDOMContent(h('div', { class: 'geocode-popup', 'data-status': p.status },
      h('dl', {}, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))))
    .addTo(map);
}

function clearGeocodeResults() {
  for (const url of geocodeJob.urls) URL.revokeObjectURL(url);
  geocodeJob.urls = [];
  geocodeJob.points = null;
  geocodeJob.popup?.remove();
  if (map.getSource('geocode-results')) {
    map.getSource('geocode-results').setData({ type: 'FeatureCollection', features: [] });
  }
  for (const id of ['geocode-download', 'geocode-failures']) document.getElementById(id).hidden = true;
  renderGeocode();
}

function renderGeocode() {
  const section = document.getElementById('geocode');
  section.hidden = !['clerk', 'ops', 'admin'].includes(state.user?.role);
  const pts = geocodeJob.points;
  document.getElementById('geocode-map').hidden = !pts;
  if (pts) {
    document.getElementById('geocode-legend').replaceChildren(
      ...GEOCODE_STATUSES.map((s) => h('li', { class: 'row', 'data-status': s.key },
        h('span', { class: 'legend-key' },
          h('span', { class: s.color ? 'dot' : 'dot none', style: s.color ? `background:${s.color}` : null }),
          h('span', { class: 'name' }, t(`gstatus_${s.key}`))),
        h('span', { class: 'count' }, fmtInt(pts.counts[s.key])))),
      h('li', { class: 'hint', id: 'geocode-points-count' }, t('geocode_points').replace('{n}', fmtInt(pts.features.length))));
  }
  // The first call comes before the map exists.
  if (window.wanggeMap) applyGeocodeVisibility();
  const j = geocodeJob.last;
  if (!j) return;
  document.getElementById('geocode-status').textContent = t('geocode_progress')
    .replace('{state}', t(`job_${j.state}`)).replace('{done}', fmtInt(j.rows_done)).replace('{total}', fmtInt(j.rows_total))
    .replace('{matched}', fmtInt(j.counts?.matched)).replace('{partial}', fmtInt(j.counts?.partial))
    .replace('{ambiguous}', fmtInt(j.counts?.ambiguous)).replace('{failed}', fmtInt(j.counts?.failed))
    + (j.error ? ` · ${j.error}` : '');
  const failures = j.failure_rows ?? (Number(j.counts?.ambiguous) || 0) + (Number(j.counts?.failed) || 0);
  document.getElementById('geocode-failures').textContent = t('geocode_failures').replace('{n}', fmtInt(failures));
}

async function onGeocodeFile(e) {
  const file = e.target.files?.[0];
  const select = document.getElementById('geocode-column');
  geocodeJob.bytes = file ? new Uint8Array(await file.arrayBuffer()) : null;
  const header = geocodeJob.bytes ? decodeCsv(geocodeJob.bytes).replace(/^\uFEFF/, '').split(/\r?\n/)[0] : '';
  const columns = header ? (parseCsv(header)[0] || []).map((c) => c.trim()) : [];
  // The column the server would take (the names of /config, in order);
  // with none of them, the clerk is asked rather than the first one taken.
  const norm = (c) => c.trim().toLowerCase();
  let pick = addressColumns.names.map((k) => columns.findIndex((c) => norm(c) === norm(k))).find((i) => i >= 0) ?? -1;
  if (pick < 0) {
    const holding = columns.flatMap((c, i) => (addressColumns.words.some((w) => norm(c).includes(w)) ? [i] : []));
    if (holding.length === 1) [pick] = holding;
  }
  const options = columns.map((c, i) => h('option', { value: c, selected: i === pick }, c));
  if (columns.length && pick < 0) options.unshift(h('option', { value: '', selected: true, disabled: true }, t('geocode_column_pick')));
  select.replaceChildren(...options);
  document.getElementById('geocode-submit').disabled = !select.value;
  document.getElementById('geocode-status').textContent = columns.length && pick < 0 ? t('geocode_column_ask') : '';
}

// A job file (result or failures) with the user's token, as a blob.
async function jobFile(id, which) {
  const res = await fetch(`${API}/geocode/jobs/${encodeURIComponent(id)}/${which}`,
    { headers: { Authorization: `Bearer ${state.token}` } });
  if (!res.ok) throw new Error(`${res.status}`);
  return res.blob();
}

function setDownload(link, blob, name) {
  const url = URL.createObjectURL(blob);
  geocodeJob.urls.push(url);
  link.href = url;
  link.download = name;
  link.hidden = false;
}

// A done job: both downloads, and its rows on the map.
async function showJobFiles(id) {
  const [result, failures] = await Promise.all([jobFile(id, 'result'), jobFile(id, 'failures')]);
  setDownload(document.getElementById('geocode-download'), result, `geocode-${id}.csv`);
  setDownload(document.getElementById('geocode-failures'), failures, `geocode-${id}.failures.csv`);
  geocodeJob.points = resultPoints(await result.text(), geocodeJob.column);
  renderGeocode();
  showGeocodeResults();
}

async function submitGeocode() {
  const status = document.getElementById('geocode-status');
  const progress = document.getElementById('geocode-progress');
  clearTimeout(geocodeJob.timer);
  geocodeJob.last = null;
  clearGeocodeResults();
  const column = document.getElementById('geocode-column').value;
  geocodeJob.column = column;
  try {
    const res = await fetch(`${API}/geocode/jobs?column=${encodeURIComponent(column)}`, {
      method: 'POST', body: geocodeJob.bytes,
      headers: { Authorization: `Bearer ${state.token}`, 'Content-Type': 'text/csv', Accept: 'application/json' } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.message || `${res.status}`);
    progress.hidden = false;
    const poll = async () => {
      try {
        const j = await fetchJson(`${API}/geocode/jobs/${encodeURIComponent(body.id)}`);
        geocodeJob.last = j;
        progress.value = Number(j.percent_done) || 0;
        renderGeocode();
        if (j.state === 'queued' || j.state === 'running') { geocodeJob.timer = setTimeout(poll, 500); return; }
        if (j.state === 'done') await showJobFiles(body.id);
      } catch (err) {
        status.textContent = t('load_failed') + err.message;
      }
    };
    poll();
  } catch (err) {
    status.textContent = t('load_failed') + err.message;
  }
}

// ---------- base map: a raster tile service under the grid, when the server has one ----------

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

// How the server finds the address column (from /config): the names it
// goes by, else the one column whose name holds one of the words.
let addressColumns = { names: ['address', '地址'], words: ['地址', 'address'] };

// `wangge serve --basemap-url`: without one nothing changes (the grid is the base).
async function loadBasemap() {
  let config;
  try {
    config = await fetchJson(`${API}/config`);
  } catch {
    return; // a server without the route: no base map
  }
  if (Array.isArray(config?.address_columns) && Array.isArray(config?.address_column_words)) {
    addressColumns = { names: config.address_columns, words: config.address_column_words };
  }
  const b = config?.basemap;
  if (!b?.url || map.getSource('basemap')) return;
  map.addSource('basemap', { type: 'raster', tiles: [b.url], tileSize: 256,
    attribution: b.attribution ? escapeHtml(b.attribution) : undefined });
  map.addLayer({ id: 'basemap', type: 'raster', source: 'basemap' }, 'cells-fill');
}

// ---------- search: a grid code, else an address through the geocoder ----------

const searchMarker = { marker: null };

async function search(text) {
  const q = text.trim();
  if (!q) return;
  setStatus('');
  if (/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/.test(q)) {
    try {
      const detail = await fetchJson(`${API}/grids/${encodeURIComponent(q.toUpperCase())}`);
      select(detail.grid.code, detail.grid.level, null, true);
      return;
    } catch (err) {
      if (err.status !== 404) { setStatus(t('load_failed') + err.message, true); return; }
    }
  }
  // Grids and cells by name first (a manager types their own cell's name,
  // often after its divisions), then customers, then the address.
  let found;
  try {
    found = await fetchJson(`${API}/search?q=${encodeURIComponent(q)}`);
  } catch (err) {
    setStatus(t('search_none') + err.message, true);
    return;
  }
  const grid = found.grids[0];
  if (grid?.name_in_text) { showGridHit(grid, found.grids_tied); return; }
  if (state.token && await searchCustomer(q)) return;
  if (grid) { showGridHit(grid, found.grids_tied); return; }
  if (!state.token) { setStatus(t('search_login'), true); return; }
  showAddressHit(found.address, q);
}

// A grid or cell found by name: selected and shown whole.
function showGridHit(grid, tied) {
  searchMarker.marker?.remove();
  select(grid.code, grid.level, null, true);
  const what = t(grid.precision === 'cell' ? 'search_hit_cell' : 'search_hit_grid');
  setStatus(`${what}${grid.name}（${grid.code}）${tied ? t('search_hit_tied') : ''}`);
}

// Map zoom for each precision of a geocoded address.
const PRECISION_ZOOM = { building: 17, compound: 17, road: 16, cell: 16, village: 14, town: 13, county: 11 };

// An address: a pin at its precision; a cell selected when the address names
// it or the point is as precise as a road or a building (a town's or
// county's centre lies in some cell the address does not name).
function showAddressHit(r, q) {
  if (!r || !Number.isFinite(r.lon) || !Number.isFinite(r.lat)) {
    setStatus(t(r?.outside_territory ? 'search_outside' : 'search_none') + (r?.reason || q), true);
    return;
  }
  searchMarker.marker?.remove();
  searchMarker.marker = new maplibregl.Marker({ className: 'search-pin' }).setLngLat([r.lon, r.lat]).addTo(map);
  map.flyTo({ center: [r.lon, r.lat], zoom: PRECISION_ZOOM[r.precision] || 15 });
  if (r.cell_code) select(r.cell_code, 4, null, false);
  else select(null);
  const precision = `${t('search_precision')}${t(`precision_${r.precision}`)}`;
  setStatus(`${r.name} · ${precision}${r.cell_code ? '' : ` · ${t('search_no_cell')}`}`, r.confidence < 0.5);
}

// A customer by code or name (company-wide roles); true when one was shown.
async function searchCustomer(q) {
  if (!mayReadCompanyWide()) return false;
  let found;
  try {
    found = await fetchJson(`${API}/customers/search?q=${encodeURIComponent(q)}&limit=1`);
  } catch (err) {
    setStatus(t('search_customer_none') + err.message, true);
    return true;
  }
  const c = found.items[0];
  if (!c) return false;
  if (!Number.isFinite(c.lon) || !Number.isFinite(c.lat)) {
    setStatus(`${t('search_customer_unplaced')}${c.code} ${c.name}`, true);
    return true;
  }
  setStatus(`${c.code} ${c.name}${c.address ? ` · ${c.address}` : ''}`);
  searchMarker.marker?.remove();
  searchMarker.marker = new maplibregl.Marker({ color: '#7b3294' }).setLngLat([c.lon, c.lat]).addTo(map);
  map.flyTo({ center: [c.lon, c.lat], zoom: 16 });
  if (c.cell_code) select(c.cell_code, 4, null, false);
  return true;
}

// ---------- coverage: gaps red, overlaps orange, a list that zooms to each ----------

// The map draws the findings from vector tiles (/tiles/coverage/..., cut
// from the analysis the server caches per grid revision; `?rev=` makes a new
// revision new URLs), slivers included; the list reads the real gaps and the
// overlaps (at most COVERAGE_LIST of each) from the JSON report, for
// click-to-zoom.
const COVERAGE_LIST = 300;
const coverage = { seq: 0, revision: null };
const COVERAGE_KINDS = ['gap', 'overlap'];

function coverageTiles(revision) {
  return [`${TILES}/coverage/{z}/{x}/{y}.mvt${revision == null ? '' : `?rev=${revision}`}`];
}

function addCoverageLayers(revision) {
  map.addSource('coverage', { type: 'vector', tiles: coverageTiles(revision), maxzoom: 16 });
  coverage.revision = revision;
  const color = ['match', ['get', 'kind'], 'gap', '#d7191c', '#e66101'];
  const shown = ['in', ['get', 'kind'], ['literal', COVERAGE_KINDS]];
  const isPoint = ['==', ['geometry-type'], 'Point'];
  const common = { source: 'coverage', 'source-layer': 'coverage' };
  // Under a lasso being drawn.
  const before = map.getLayer('lasso-fill') ? 'lasso-fill' : undefined;
  map.addLayer({ id: 'coverage-fill', type: 'fill', ...common, filter: ['all', shown, ['!', isPoint]],
    // Slivers (drawing errors) lighter than real blind spots.
    paint: { 'fill-color': color, 'fill-opacity': ['case', ['==', ['get', 'sliver'], true], 0.35, 0.55] } }, before);
  map.addLayer({ id: 'coverage-line', type: 'line', ...common, filter: ['all', shown, ['!', isPoint]],
    paint: { 'line-color': color, 'line-width': 2 } }, before);
  // Findings under a few pixels come as points, so they stay visible zoomed
  // out; not the slivers (thousands of drawing errors would bury the map).
  map.addLayer({ id: 'coverage-point', type: 'circle', ...common,
    filter: ['all', shown, isPoint, ['!=', ['get', 'sliver'], true]],
    paint: { 'circle-color': color, 'circle-radius': byZoom(8, 2.5, 14, 4), 'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1 } }, before);
  map.addLayer({ id: 'coverage-selected', type: 'line', ...common, filter: ['==', ['get', 'kind'], ''],
    paint: { 'line-color': COLORS.selected, 'line-width': 3.5 } }, before);
}

function coverageItemText(kind, item) {
  const neighbours = Array.isArray(item.neighbours) ? item.neighbours.join(' / ') : item.neighbours;
  const where = [item.parent, neighbours || [item.a, item.b].filter(Boolean).join(' / ')].filter(Boolean).join(' · ');
  const area = Number(item.area_m2);
  return `${t(`kind_${kind}`)} ${where}${Number.isFinite(area) ? ` · ${fmtArea(area)}` : ''}`;
}

async function setCoverage(on) {
  const seq = ++coverage.seq;
  const summary = document.getElementById('coverage-summary');
  const list = document.getElementById('coverage-list');
  const layers = ['coverage-fill', 'coverage-line', 'coverage-point', 'coverage-selected'];
  if (map.getSource('coverage')) {
    for (const id of layers) map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
  }
  if (!on) { list.replaceChildren(); summary.textContent = ''; return; }
  try {
    const report = await fetchJson(`${API}/coverage?kind=gaps,overlaps&slivers=false&limit=${COVERAGE_LIST}`);
    if (seq !== coverage.seq) return;
    const revision = report.summary?.revision ?? null;
    if (!map.getSource('coverage')) addCoverageLayers(revision);
    else if (revision !== coverage.revision) {
      // The grid changed since the tiles were loaded: new URLs, fresh tiles.
      map.getSource('coverage').setTiles(coverageTiles(revision));
      coverage.revision = revision;
    }
    for (const id of layers) map.setLayoutProperty(id, 'visibility', 'visible');
    map.setFilter('coverage-selected', ['==', ['get', 'kind'], '']);
    const levels = report.summary?.levels || [];
    const total = (key) => levels.reduce((n, l) => n + (l[key]?.count || 0), 0);
    const items = [
      ...(report.gaps || []).map((g) => ({ kind: 'gap', data: g })),
      ...(report.overlaps || []).map((o) => ({ kind: 'overlap', data: o })),
    ].filter((x) => x.data.geometry);
    // Gaps before overlaps, then the largest first.
    const rank = (x) => (x.kind === 'gap' ? 0 : 1);
    items.sort((a, b) => rank(a) - rank(b) || (b.data.area_m2 || 0) - (a.data.area_m2 || 0));
    const gaps = total('gaps');
    const overlaps = total('overlaps');
    const slivers = total('slivers');
    const cut = gaps - slivers > (report.gaps || []).length || overlaps > (report.overlaps || []).length;
    summary.textContent = t('coverage_summary').replace('{gaps}', fmtInt(gaps)).replace('{overlaps}', fmtInt(overlaps))
      + (slivers ? t('coverage_slivers').replace('{n}', fmtInt(slivers)) : '')
      + (cut ? t('coverage_listed').replace('{n}', fmtInt(COVERAGE_LIST)) : '');
    // A listed finding is found in the tiles by what both carry: kind,
    // level and parent, and the pair (overlaps) or the rounded area (gaps).
    const match = (x) => ['all', ['==', ['get', 'kind'], x.kind], ['==', ['get', 'level'], x.data.level],
      ['==', ['get', 'parent'], x.data.parent || ''],
      ...(x.kind === 'overlap' ? [['==', ['get', 'a'], x.data.a], ['==', ['get', 'b'], x.data.b]]
        : [['==', ['get', 'area_m2'], Math.round(x.data.area_m2)]])];
    list.replaceChildren(...items.map((x, i) => h('li', { class: x.kind },
      h('button', { type: 'button', class: 'link', 'data-coverage-item': i, 'data-kind': x.kind,
        'data-parent': x.data.parent || '', 'data-area': Math.round(x.data.area_m2),
        onclick: () => {
          map.setFilter('coverage-selected', match(x));
          const b = bboxOf([{ geometry: x.data.geometry }]);
          if (b) map.fitBounds(b, { padding: fitPadding(), maxZoom: 17 });
        } },
      coverageItemText(x.kind, x.data)))));
  } catch (err) {
    if (seq === coverage.seq) summary.textContent = t('coverage_unavailable') + err.message;
  }
}

// ---------- assignment rates: a table and a choropleth of the grids of a level ----------

// Rate classes, worst first: [lower bound, colour].
const RATE_CLASSES = [[0, '#d7191c'], [0.8, '#fdae61'], [0.9, '#ffffbf'], [0.95, '#a6d96a'], [0.99, '#1a9641']];
const rates = { on: false, level: 1, codes: [], seq: 0 };

function fmtPct(x) {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–';
}

function rateColorExpr() {
  // -1 (no state yet, or no customers) stays transparent.
  return ['step', ['coalesce', ['feature-state', 'rate'], -1], 'rgba(0,0,0,0)',
    ...RATE_CLASSES.flatMap(([from, color]) => [from, color])];
}

function clearRateStates() {
  for (const code of rates.codes) map.removeFeatureState({ source: 'grids', sourceLayer: 'grids', id: code }, 'rate');
  rates.codes = [];
}

async function setRates(on) {
  rates.on = on;
  const seq = ++rates.seq;
  const summary = document.getElementById('rates-summary');
  const box = document.getElementById('rates-box');
  const legend = document.getElementById('rates-legend');
  if (!map.getLayer('rates-fill')) {
    map.addLayer({ id: 'rates-fill', type: 'fill', source: 'grids', 'source-layer': 'grids',
      filter: levelFilter(rates.level), paint: { 'fill-color': rateColorExpr(), 'fill-opacity': 0.6 } }, 'grids-line-3');
  }
  map.setLayoutProperty('rates-fill', 'visibility', on ? 'visible' : 'none');
  box.hidden = !on;
  legend.hidden = !on;
  if (!on) { clearRateStates(); summary.textContent = ''; return; }
  map.setFilter('rates-fill', levelFilter(rates.level));
  legend.replaceChildren(...RATE_CLASSES.map(([from, color], i) => h('li', {},
    h('span', { class: 'swatch', style: `background:${color}` }),
    i + 1 < RATE_CLASSES.length ? `${fmtPct(from)}–${fmtPct(RATE_CLASSES[i + 1][0])}` : `≥ ${fmtPct(from)}`)));
  try {
    const body = await fetchJson(`${API}/assignment?level=${rates.level}`);
    if (seq !== rates.seq) return;
    clearRateStates();
    const all = body.rates.find((r) => r.code === null);
    const grids = body.rates.filter((r) => r.code !== null)
      .sort((a, b) => (a.customers.total ? a.customers.rate : 2) - (b.customers.total ? b.customers.rate : 2) || a.code.localeCompare(b.code));
    for (const r of grids) {
      map.setFeatureState({ source: 'grids', sourceLayer: 'grids', id: r.code },
        { rate: r.customers.total ? r.customers.rate : -1 });
      rates.codes.push(r.code);
    }
    summary.textContent = t('rates_summary').replace('{rate}', fmtPct(all?.customers.rate))
      .replace('{in_cell}', fmtInt(all?.customers.in_cell)).replace('{total}', fmtInt(all?.customers.total))
      .replace('{n}', fmtInt(grids.length));
    box.querySelector('tbody').replaceChildren(...grids.map((r) => h('tr', { 'data-code': r.code },
      h('td', {}, h('button', { type: 'button', class: 'link', title: r.code,
        onclick: () => select(r.code, rates.level, null, true) }, r.name || r.code)),
      h('td', { class: 'num' }, `${fmtInt(r.customers.in_cell)}/${fmtInt(r.customers.total)}`),
      h('td', { class: 'num' }, r.customers.total ? fmtPct(r.customers.rate) : t('rates_no_customers')))));
  } catch (err) {
    summary.textContent = t('rates_unavailable') + err.message;
  }
}

// ---------- H3 heat map of customers (all, or unplaced with a location) ----------

const hex = { seq: 0, res: 0 };

function h3Res() {
  // Finer hexagons as the map zooms in (4-9 on the server).
  return Math.max(4, Math.min(9, Math.round(map.getZoom() - 3)));
}

async function setH3(on) {
  const seq = ++hex.seq;
  const summary = document.getElementById('h3-summary');
  if (!map.getSource('h3')) {
    map.addSource('h3', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'h3-fill', type: 'fill', source: 'h3',
      paint: { 'fill-color': ['interpolate', ['linear'], ['get', 'share'], 0, '#fecc5c', 0.35, '#fd8d3c', 0.7, '#f03b20', 1, '#bd0026'],
        'fill-opacity': 0.75, 'fill-outline-color': '#7a0019' } }, 'grids-line-3');
  }
  map.setLayoutProperty('h3-fill', 'visibility', on ? 'visible' : 'none');
  if (!on) { summary.textContent = ''; return; }
  const kind = document.getElementById('h3-kind').value;
  const res = h3Res();
  hex.res = res;
  try {
    const fc = await fetchJson(`${API}/h3?res=${res}&kind=${kind}`);
    if (seq !== hex.seq) return;
    // Colour by the square root of the share of the busiest hexagon (counts are skewed).
    const max = Math.max(1, fc.max_count);
    for (const f of fc.features) f.properties.share = Math.sqrt(f.properties.count / max);
    map.getSource('h3').setData(fc);
    summary.textContent = t('h3_summary').replace('{points}', fmtInt(fc.points)).replace('{hexes}', fmtInt(fc.features.length))
      .replace('{res}', res).replace('{max}', fmtInt(fc.max_count))
      + (fc.skipped ? t('h3_skipped').replace('{skipped}', fmtInt(fc.skipped)) : '');
  } catch (err) {
    summary.textContent = t('h3_unavailable') + err.message;
  }
}

// Customers company-wide (the H3 heat map, customer search): the server's
// read_unplaced action, which only company-wide roles have.
function mayReadCompanyWide() {
  const may = state.user?.may;
  if (may) return may.read_unplaced === 'yes';
  return ['admin', 'ops', 'clerk', 'viewer'].includes(state.user?.role);
}

// A cell's customers and resources (read_cell_data): company-wide roles, a
// cell in the user's scope, or a grid manager's own (pending or active) claim.
function mayReadCell(code, chain) {
  if (!state.user) return false;
  if (mayReadCompanyWide()) return true;
  const scopes = new Set(state.user.scopes || []);
  if (scopes.has(code) || (chain || []).some((a) => scopes.has(a.code))) return true;
  return state.user.role === 'grid_manager' && state.claims.get(code)?.manager?.id === state.user.id;
}

function renderOpsAccess() {
  // The heat map reads every customer: company-wide roles only (as the server rules).
  const allowed = mayReadCompanyWide();
  document.getElementById('h3-box').hidden = !allowed;
  if (!allowed && document.getElementById('h3-toggle').checked) {
    document.getElementById('h3-toggle').checked = false;
    setH3(false);
  }
  // Logged in without them: say why they are not there.
  const limited = Boolean(state.user) && !allowed;
  const why = document.getElementById('ops-denied');
  why.hidden = !limited;
  why.textContent = limited ? t('ops_denied') : '';
  document.getElementById('search-input').placeholder = t(limited ? 'search_placeholder_limited' : 'search_placeholder');
}

// ---------- lasso: draw a free-hand polygon over cells, claim them in one step ----------

// Shift + drag with the mouse draws the lasso; on touch screens the lasso
// button (top left, for grid managers) turns lasso mode on, and one finger
// then draws instead of panning (two fingers still zoom). A cell is taken
// when its centre lies inside the lasso: the area-weighted centroid of the
// cell as drawn on the map (the pieces of every tile in view, in lon/lat),
// tested against the lasso ring by the even-odd rule. Cells only grazed by
// the lasso's edge are left out; cells with an open claim are not listed.

const lasso = { mode: false, drawing: null, swallowClick: false, control: null, frame: 0 };
const NO_FEATURES = { type: 'FeatureCollection', features: [] };

/** Even-odd test of a point against a ring of [lon, lat]. */
function insideRing(pt, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > pt[1]) !== (yj > pt[1]) && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Area-weighted centroid of (pieces of) polygons; holes count negative. */
function centroidOf(geometries) {
  let area = 0; let cx = 0; let cy = 0;
  for (const g of geometries) {
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    for (const ring of polygons.flat()) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
        const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
        area += f;
        cx += (ring[j][0] + ring[i][0]) * f;
        cy += (ring[j][1] + ring[i][1]) * f;
      }
    }
  }
  return Math.abs(area) > 1e-18 ? [cx / (3 * area), cy / (3 * area)] : null;
}

/** The drawn cells whose centre lies inside the ring ([lon, lat] points),
 * by code; and how many of them already have an open claim. */
function cellsInLasso(ring) {
  if (map.getLayoutProperty('cells-fill', 'visibility') === 'none') return { cells: [], claimed: 0 };
  const px = ring.map((p) => map.project(p));
  const xs = px.map((p) => p.x); const ys = px.map((p) => p.y);
  const box = [[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]];
  const candidates = [...new Set(map.queryRenderedFeatures(box, { layers: ['cells-fill'] }).map((f) => f.properties.code))];
  if (!candidates.length) return { cells: [], claimed: 0 };
  // Every piece of the candidates in view (a cell crossing tiles comes in pieces).
  const pieces = new Map();
  for (const f of map.queryRenderedFeatures({ layers: ['cells-fill'], filter: ['in', ['get', 'code'], ['literal', candidates]] })) {
    const code = f.properties.code;
    if (!pieces.has(code)) pieces.set(code, { code, name: f.properties.name || '', geometries: [] });
    pieces.get(code).geometries.push(f.geometry);
  }
  const inside = [...pieces.values()].filter((c) => {
    const at = centroidOf(c.geometries);
    return at && insideRing(at, ring);
  }).map(({ code, name }) => ({ code, name })).sort((a, b) => a.code.localeCompare(b.code));
  const cells = inside.filter((c) => !state.claims.has(c.code));
  return { cells, claimed: inside.length - cells.length };
}

function drawLasso(points, closed) {
  const source = map.getSource('lasso');
  if (!source) return;
  if (!points || points.length < 2) { source.setData(NO_FEATURES); return; }
  const features = [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: closed ? [...points, points[0]] : points } }];
  if (points.length > 2) {
    features.push({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[...points, points[0]]] } });
  }
  source.setData({ type: 'FeatureCollection', features });
}

function setLassoMode(on) {
  lasso.mode = on;
  map.getCanvasContainer().classList.toggle('lasso-mode', on);
  if (on) map.dragPan.disable(); else if (!lasso.drawing) map.dragPan.enable();
  const button = lasso.control?.querySelector('button');
  if (button) {
    button.setAttribute('aria-pressed', String(on));
    button.classList.toggle('active', on);
  }
}

/** The lasso button shows for grid managers (touch screens have no Shift). */
function updateLassoControl() {
  if (!lasso.control) return;
  const show = state.user?.role === 'grid_manager';
  lasso.control.hidden = !show;
  if (!show && lasso.mode) setLassoMode(false);
}

function setupLasso() {
  map.boxZoom.disable();
  const container = map.getCanvasContainer();
  map.addSource('lasso', { type: 'geojson', data: NO_FEATURES });
  map.addLayer({ id: 'lasso-fill', type: 'fill', source: 'lasso', filter: ['==', ['geometry-type'], 'Polygon'],
    paint: { 'fill-color': '#1f6feb', 'fill-opacity': 0.12 } });
  map.addLayer({ id: 'lasso-line', type: 'line', source: 'lasso', filter: ['==', ['geometry-type'], 'LineString'],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': '#1f6feb', 'line-width': 2.5, 'line-dasharray': [2, 1.5] } });
  map.addControl({
    onAdd() {
      lasso.control = h('div', { class: 'maplibregl-ctrl maplibregl-ctrl-group lasso-control' },
        h('button', { type: 'button', id: 'lasso-toggle', class: 'lasso-toggle', 'aria-pressed': 'false',
          'data-i18n-label': 'lasso_button', 'aria-label': t('lasso_button'), title: t('lasso_button'),
          onclick: () => setLassoMode(!lasso.mode) }, h('span', { class: 'lasso-icon', 'aria-hidden': 'true' })));
      return lasso.control;
    },
    onRemove() { lasso.control?.remove(); },
  }, 'top-left');
  updateLassoControl();

  const pos = (e) => { const r = container.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  const redraw = () => {
    if (lasso.frame) return;
    lasso.frame = requestAnimationFrame(() => { lasso.frame = 0; drawLasso(lasso.drawing?.points, false); });
  };
  const stop = () => {
    lasso.drawing = null;
    if (!lasso.mode) map.dragPan.enable();
  };
  container.addEventListener('pointerdown', (e) => {
    if (lasso.drawing) {
      // A second finger: it is a pinch, not a lasso.
      if (e.pointerId !== lasso.drawing.id) { stop(); drawLasso(null); }
      return;
    }
    const mouse = e.pointerType === 'mouse';
    const wanted = mouse ? e.button === 0 && (e.shiftKey || lasso.mode) : lasso.mode && e.isPrimary;
    if (!wanted || !state.token) return;
    // No mousedown follows, so the map neither pans nor starts a box zoom.
    e.preventDefault();
    e.stopPropagation();
    map.dragPan.disable();
    try { container.setPointerCapture(e.pointerId); } catch { /* moves outside are lost */ }
    const p = pos(e);
    lasso.drawing = { id: e.pointerId, last: p, points: [map.unproject(p).toArray()] };
    drawLasso(null);
  }, true);
  container.addEventListener('pointermove', (e) => {
    const d = lasso.drawing;
    if (!d || e.pointerId !== d.id) return;
    const p = pos(e);
    if (Math.hypot(p[0] - d.last[0], p[1] - d.last[1]) < 3) return;
    d.last = p;
    d.points.push(map.unproject(p).toArray());
    redraw();
  });
  const end = (e) => {
    const d = lasso.drawing;
    if (!d || e.pointerId !== d.id) return;
    stop();
    if (e.type !== 'pointerup' || d.points.length < 3) { drawLasso(null); return; }
    // Too small to be meant (a shift-click): nothing.
    const px = d.points.map((q) => map.project(q));
    let area2 = 0;
    for (let i = 0, j = px.length - 1; i < px.length; j = i, i += 1) area2 += px[j].x * px[i].y - px[i].x * px[j].y;
    if (Math.abs(area2) / 2 < 64) { drawLasso(null); return; }
    // The click that ends the drag must not select the cell under it.
    lasso.swallowClick = true;
    setTimeout(() => { lasso.swallowClick = false; }, 0);
    drawLasso(d.points, true);
    const { cells, claimed } = cellsInLasso(d.points);
    showLasso(cells, { claimed });
  };
  container.addEventListener('pointerup', end);
  container.addEventListener('pointercancel', end);
  window.addEventListener('click', (e) => {
    if (lasso.swallowClick) { lasso.swallowClick = false; e.stopPropagation(); e.preventDefault(); }
  }, true);
  window.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && lasso.drawing) { stop(); drawLasso(null); }
  });
  // A click elsewhere ends the selection: the drawn lasso goes with it.
  map.on('click', () => { if (!lasso.drawing) drawLasso(null); });
}

/** The confirm step: the cells inside the lasso, and one button claiming
 * them all (one batch: all or nothing; after a refusal, the rest). */
function showLasso(cells, { claimed = 0, notice = null } = {}) {
  state.selectSeq += 1;
  state.selected = null;
  const codes = cells.map((c) => c.code);
  state.lasso = { codes };
  const el = document.getElementById('details-body');
  document.getElementById('details').classList.add('has-selection');
  const msg = h('p', { class: notice ? `${notice.cls} notice` : 'notice' }, notice?.text || '');
  const shown = 200;
  const rest = h('div', { class: 'actions' });
  fill(el,
    h('p', { id: 'lasso-count' }, t('lasso_selected').replace('{n}', fmtInt(codes.length))
      + (claimed ? t('lasso_skipped').replace('{n}', fmtInt(claimed)) : '')),
    codes.length ? h('ul', { id: 'lasso-list', class: 'lasso-list' },
      cells.slice(0, shown).map((c) => h('li', { 'data-code': c.code }, h('span', { class: 'cell-code' }, c.code), ` ${c.name}`)),
      cells.length > shown ? h('li', { class: 'more' }, `… +${fmtInt(cells.length - shown)}`) : null) : null,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', id: 'claim-all', disabled: codes.length === 0,
      onclick: async (e) => {
        const button = e.currentTarget;
        button.disabled = true;
        try {
          const r = await postJson(`${API}/claims/batch`, { cells: codes, action: 'claim' });
          const results = r.results || r.cells || r.claims || [];
          for (const item of results) setClaim(item.cell || item.claim?.cell, item.claim || item);
          if (!results.length) await loadClaims();
          msg.className = 'ok notice';
          msg.textContent = t('batch_done').replace('{n}', fmtInt(codes.length));
          drawLasso(null);
        } catch (err) {
          msg.className = 'error notice';
          msg.textContent = refusalText(err);
          button.disabled = false;
          // All or nothing: offer the cells that were not refused.
          const refused = new Set((err.body?.refusals || []).map((x) => x.cell));
          const others = cells.filter((c) => !refused.has(c.code));
          if (refused.size && others.length) {
            rest.replaceChildren(h('button', { type: 'button', id: 'claim-rest',
              onclick: () => showLasso(others, { claimed, notice: { cls: 'error', text: msg.textContent } }) },
            t('lasso_rest').replace('{n}', fmtInt(others.length))));
          }
        }
        renderAccount();
      } }, t('claim_all'))),
    msg, rest);
  if (isPhone()) setPanelOpen(true);
}

async function select(code, level, feature, zoomTo = false) {
  state.selectSeq += 1;
  const seq = state.selectSeq;
  if (!code) {
    state.selected = null;
    setSelectedHighlight(null, null);
    renderDetails();
    return;
  }
  state.selected = { code, feature };
  setSelectedHighlight(code, level);
  state.notice = null;
  renderDetails();
  if (isPhone()) setPanelOpen(true);
  try {
    const detail = await fetchJson(`${API}/grids/${encodeURIComponent(code)}`);
    if (seq !== state.selectSeq) return;
    state.selected = { code, feature, detail };
    const b = detail.bbox || bboxOf([{ geometry: detail.geometry }]);
    if (zoomTo && b) map.fitBounds(b, { padding: fitPadding(), maxZoom: 15 });
    if (Number(detail.grid?.level) === 4 && state.token) loadCellExtras(code, seq);
  } catch (err) {
    if (seq !== state.selectSeq) return;
    state.selected = { code, feature, error: err.status === 404 ? t('not_found') : err.message };
  }
  renderDetails();
}

function onMapClick(e) {
  if (admin?.onMapClick(e)) return;
  const point = geocodePointAt(e.point);
  if (point) { showGeocodePopup(point); return; }
  const order = ['cells-fill', 'grids-hit-3', 'grids-hit-2', 'grids-hit-1']
    .filter((id) => map.getLayoutProperty(id, 'visibility') !== 'none');
  const hits = map.queryRenderedFeatures(e.point, { layers: order });
  hits.sort((a, b) => order.indexOf(a.layer.id) - order.indexOf(b.layer.id));
  const hit = hits[0];
  if (!hit) { select(null); return; }
  const code = hit.properties.code;
  select(code, hit.properties.level, hit);
}

function fitPadding() {
  if (isPhone()) return { top: 20, bottom: 70, left: 20, right: 20 };
  const panel = document.getElementById('panel');
  const open = !panel.classList.contains('collapsed');
  return { top: 30, bottom: 30, left: 30, right: open ? panel.offsetWidth + 40 : 30 };
}

// ---------- start ----------

document.getElementById('search').addEventListener('submit', (e) => {
  e.preventDefault();
  search(document.getElementById('search-input').value);
});
document.getElementById('geocode-file').addEventListener('change', (e) => { onGeocodeFile(e); });
document.getElementById('geocode-column').addEventListener('change', (e) => {
  document.getElementById('geocode-submit').disabled = !e.target.value;
  document.getElementById('geocode-status').textContent = '';
});
document.getElementById('geocode-submit').addEventListener('click', () => { submitGeocode(); });
document.getElementById('geocode-layer-toggle').addEventListener('change', () => applyGeocodeVisibility());
document.getElementById('coverage-toggle').addEventListener('change', (e) => {
  setCoverage(e.target.checked).catch((err) => setStatus(t('load_failed') + err.message, true));
});
document.getElementById('rates-toggle').addEventListener('change', (e) => { setRates(e.target.checked); });
document.getElementById('rates-level').addEventListener('change', (e) => {
  rates.level = Number(e.target.value);
  if (rates.on) setRates(true);
});
document.getElementById('h3-toggle').addEventListener('change', (e) => { setH3(e.target.checked); });
document.getElementById('h3-kind').addEventListener('change', () => {
  if (document.getElementById('h3-toggle').checked) setH3(true);
});
document.getElementById('lang').addEventListener('click', () => setLang(state.lang === 'zh' ? 'en' : 'zh'));
document.getElementById('panel-toggle').addEventListener('click', () => {
  setPanelOpen(document.getElementById('panel').classList.contains('collapsed'));
});
if (isPhone()) setPanelOpen(false);
applyTexts();

const map = new maplibregl.Map({
  container: 'map',
  style: baseStyle(),
  center: [110.8, 32.4],
  zoom: 7,
  dragRotate: false,
  pitchWithRotate: false,
  attributionControl: { compact: true },
});
map.touchZoomRotate.disableRotation();
map.keyboard.disableRotation();
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
window.wanggeMap = map;
window.wanggeState = state; // read by the browser tests

function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

async function start() {
  await new Promise((resolve) => { if (map.loaded()) resolve(); else map.once('load', resolve); });
  addLayers();
  loadBasemap();
  labels = new LabelLayer(map, maplibregl);
  setStatus(t('loading'));
  const stats = loadStats();
  await loadGrids();
  if (state.territoryBbox) map.fitBounds(state.territoryBbox, { padding: fitPadding(), duration: 0 });
  await restoreSession();
  await stats;
  // Wait for a frame with everything drawn; the repaint makes sure one comes.
  const drawn = new Promise((resolve) => map.once('idle', resolve));
  map.triggerRepaint();
  await drawn;
  updateLabels();
  setStatus('');
  map.on('click', onMapClick);
  map.on('mousemove', (e) => {
    const layers = ['cells-fill', 'grids-hit-3', 'grids-hit-2', 'grids-hit-1']
      .filter((id) => map.getLayoutProperty(id, 'visibility') !== 'none');
    map.getCanvas().style.cursor = map.queryRenderedFeatures(e.point, { layers }).length ? 'pointer' : '';
  });
  map.on('moveend', () => {
    updateLabels();
    if (document.getElementById('h3-toggle').checked && h3Res() !== hex.res) setH3(true);
  });
  map.on('resize', () => { labels.resetFonts(); updateLabels(); });
  // Cell labels depend on what is drawn; re-place them when new tiles arrive.
  const relabel = debounce(updateLabels, 150);
  map.on('sourcedata', (e) => {
    if (e.sourceId === 'cells' && e.isSourceLoaded && map.getZoom() >= CELL_LABEL_MIN_ZOOM) relabel();
  });
  setupLasso();
  admin = createAdmin({ map, state, API, h, t, fill, fetchJson, postJson, setStatus, select, fmtArea, fmtInt,
    afterEdit, renderDetails, zoomTo });
  admin.setup();
  admin.render();
}

// ---------- after the grid changed ----------

let gridVersion = 0;

/** After an edit, an import or coverage fixes: fresh tiles (new URLs, so no
 * cached tile of the old grid is reused), stats, claims and coverage. */
async function afterEdit() {
  gridVersion += 1;
  for (const layer of ['cells', 'grids']) {
    map.getSource(layer)?.setTiles([`${TILES}/${layer}/{z}/{x}/{y}.mvt?v=${gridVersion}`]);
  }
  await Promise.all([loadStats(), loadClaims()]);
  if (document.getElementById('coverage-toggle').checked) await setCoverage(true);
}

function zoomTo(geometry) {
  const b = bboxOf([{ geometry }]);
  if (b) map.fitBounds(b, { padding: fitPadding(), maxZoom: 16 });
}

window.wanggeReady = start().catch((err) => {
  setStatus(t('load_failed') + err.message, true);
  console.error('wangge map failed to start:', err);
  throw err;
});
