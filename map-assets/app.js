// The wangge map page: grid levels 1-3 as outlines and cells filled by
// category or claim status, all from the server's vector tiles (/tiles);
// stats, login, details and claiming in a side panel. Plain ES modules, no
// build step; MapLibre GL JS is the vendored global `maplibregl`.
//
// This file starts the page: the state, the map, the shared helpers and the
// context `ctx` every feature module is made with (`createXxx(ctx)`, as in
// admin.js). Modules reach each other through ctx when they run
// (`ctx.panel.select(...)`), so the order they are made in does not matter.
//
// For tests: `window.wanggeMap` is the MapLibre map, `window.wanggeState` the
// page's state and `window.wanggeReady` a Promise that resolves once the
// first data is drawn.

import { I18N } from './i18n.js';
import { createAdmin } from './admin.js';
import { h, fill, formatters, fmtPct } from './util.js';
import { createApi } from './api.js';
import { baseStyle, createLayers } from './layers.js';
import { createPanel } from './panel.js';
import { createSession } from './session.js';
import { createClaims } from './claims.js';
import { createGeocode } from './geocode.js';
import { createSearch } from './search.js';
import { createCoverage } from './coverage.js';
import { createQueue } from './queue.js';

const { maplibregl } = window;
const API = 'api/v1';
// Absolute, unencoded: MapLibre fetches tiles from a worker.
const TILES = `${window.location.origin}${window.location.pathname.replace(/[^/]*$/, '')}tiles`;

const state = {
  lang: initialLang(),
  stats: null,
  typeNames: new Map(), // cell type code -> {zh, en}
  gridsByCode: new Map(), // levels 1-2 as GeoJSON, for labels
  territoryBbox: null,
  token: null, // bearer token of the logged-in user
  user: null, // /api/v1/me: who is logged in and what they may do
  claims: new Map(), // cell code -> open claim (pending or active)
  fillMode: 'category', // or 'claims'
  lasso: null, // {codes} of the last lasso selection
  notice: null, // {text, isError} under the details
  visible: { 1: true, 2: true, 3: true, 4: true },
  selected: null, // {code, detail} or {code, error}
  selectSeq: 0,
};

// ---------- texts ----------

function initialLang() {
  const asked = new URLSearchParams(window.location.search).get('lang');
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

function setStatus(text, isError = false) {
  const el = document.getElementById('status');
  el.textContent = text || '';
  el.hidden = !text;
  el.classList.toggle('error', isError);
}

// ---------- the map, before anything that uses it ----------

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

// ---------- the context and the feature modules ----------

const ctx = { map, state, API, TILES, h, t, fill, fmtPct, ...formatters(t), setStatus, admin: null };
ctx.api = createApi(ctx);
Object.assign(ctx, { fetchJson: ctx.api.fetchJson, postJson: ctx.api.postJson });
ctx.layers = createLayers(ctx);
ctx.panel = createPanel(ctx);
ctx.session = createSession(ctx);
ctx.onSessionLost = () => ctx.session.sessionLost();
ctx.claims = createClaims(ctx);
ctx.geocode = createGeocode(ctx);
ctx.search = createSearch(ctx);
ctx.coverage = createCoverage(ctx);
ctx.queue = createQueue(ctx);
// What admin.js calls (its ctx is this one).
Object.assign(ctx, { select: ctx.panel.select, renderDetails: ctx.panel.renderDetails, zoomTo: ctx.panel.zoomTo,
  afterEdit });
const { layers, panel, session, claims, geocode, coverage } = ctx;

function applyTexts() {
  document.documentElement.lang = t('html_lang');
  document.title = t('doc_title');
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of document.querySelectorAll('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel));
    el.title = t(el.dataset.i18nLabel);
  }
  panel.updatePanelToggle();
  panel.renderStats();
  session.renderAccount();
  panel.renderDetails();
}

function setLang(lang) {
  state.lang = lang;
  try { window.localStorage.setItem('wangge.lang', lang); } catch { /* not kept */ }
  applyTexts();
  coverage.refreshTexts();
}

// ---------- after the grid changed ----------

let gridVersion = 0;

/** After an edit, an import or coverage fixes: fresh tiles (new URLs, so no
 * cached tile of the old grid is reused), stats, claims and coverage. */
async function afterEdit() {
  gridVersion += 1;
  layers.refreshTiles(gridVersion);
  await Promise.all([panel.loadStats(), claims.loadClaims()]);
  if (document.getElementById('coverage-toggle').checked) await coverage.setCoverage(true);
}

// ---------- start ----------

// The server's /config: its base map (`wangge serve --basemap-url`) and how
// it finds a CSV's address column. A server without the route: neither.
async function loadConfig() {
  let config;
  try {
    config = await ctx.fetchJson(`${API}/config`);
  } catch {
    return;
  }
  geocode.setAddressColumns(config);
  layers.addBasemap(config?.basemap);
}

function onMapClick(e) {
  if (ctx.admin?.onMapClick(e)) return;
  if (geocode.onMapClick(e)) return;
  const hit = layers.featuresAt(e.point)[0];
  if (!hit) { panel.select(null); return; }
  panel.select(hit.properties.code, hit.properties.level, hit);
}

async function start() {
  await new Promise((resolve) => { if (map.loaded()) resolve(); else map.once('load', resolve); });
  layers.addLayers();
  loadConfig();
  layers.startLabels();
  setStatus(t('loading'));
  const stats = panel.loadStats();
  await layers.loadGrids();
  if (state.territoryBbox) map.fitBounds(state.territoryBbox, { padding: panel.fitPadding(), duration: 0 });
  await session.restoreSession();
  await stats;
  // Wait for a frame with everything drawn; the repaint makes sure one comes.
  const drawn = new Promise((resolve) => map.once('idle', resolve));
  map.triggerRepaint();
  await drawn;
  layers.updateLabels();
  setStatus('');
  map.on('click', onMapClick);
  map.on('mousemove', (e) => {
    map.getCanvas().style.cursor = layers.featuresAt(e.point).length ? 'pointer' : '';
  });
  layers.watchLabels();
  coverage.watchZoom();
  claims.setupLasso();
  ctx.admin = createAdmin(ctx);
  ctx.admin.setup();
  ctx.admin.render();
}

panel.bind();
ctx.search.bind();
geocode.bind();
coverage.bind();
document.getElementById('lang').addEventListener('click', () => setLang(state.lang === 'zh' ? 'en' : 'zh'));
if (panel.isPhone()) panel.setPanelOpen(false);
applyTexts();

window.wanggeReady = start().catch((err) => {
  setStatus(t('load_failed') + err.message, true);
  console.error('wangge map failed to start:', err);
  throw err;
});
