// Operations' views: the coverage layer (gaps red, overlaps orange, a list
// that zooms to each), assignment rates (a table and a choropleth) and the
// H3 heat map of customers, and which of them the user may see.
//
// The coverage map draws the findings from vector tiles (/tiles/coverage/...,
// cut from the analysis the server caches per grid revision; `?rev=` makes a
// new revision new URLs), slivers included; the list reads the real gaps and
// the overlaps (at most COVERAGE_LIST of each) from the JSON report, for
// click-to-zoom.

import { COLORS } from './layers.js';
import { bboxOf, byZoom, fmtPct, levelFilter } from './util.js';

const COVERAGE_LIST = 300;
const COVERAGE_KINDS = ['gap', 'overlap'];
// Rate classes, worst first: [lower bound, colour].
const RATE_CLASSES = [[0, '#d7191c'], [0.8, '#fdae61'], [0.9, '#ffffbf'], [0.95, '#a6d96a'], [0.99, '#1a9641']];

/** ctx: { map, state, API, TILES, h, t, fmtInt, fmtArea, fetchJson, setStatus, panel, session } */
export function createCoverage(ctx) {
  const { map, state, API, TILES, h, t, fmtInt, fmtArea } = ctx;
  const coverage = { seq: 0, revision: null };
  const rates = { on: false, level: 1, codes: [], seq: 0 };
  const hex = { seq: 0, res: 0 };

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
      const report = await ctx.fetchJson(`${API}/coverage?kind=gaps,overlaps&slivers=false&limit=${COVERAGE_LIST}`);
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
            if (b) map.fitBounds(b, { padding: ctx.panel.fitPadding(), maxZoom: 17 });
          } },
        coverageItemText(x.kind, x.data)))));
    } catch (err) {
      if (seq === coverage.seq) summary.textContent = t('coverage_unavailable') + err.message;
    }
  }

  // ---------- assignment rates: a table and a choropleth of the grids of a level ----------

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
      const body = await ctx.fetchJson(`${API}/assignment?level=${rates.level}`);
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
          onclick: () => ctx.panel.select(r.code, rates.level, null, true) }, r.name || r.code)),
        h('td', { class: 'num' }, `${fmtInt(r.customers.in_cell)}/${fmtInt(r.customers.total)}`),
        h('td', { class: 'num' }, r.customers.total ? fmtPct(r.customers.rate) : t('rates_no_customers')))));
    } catch (err) {
      summary.textContent = t('rates_unavailable') + err.message;
    }
  }

  // ---------- H3 heat map of customers (all, or unplaced with a location) ----------

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
      const fc = await ctx.fetchJson(`${API}/h3?res=${res}&kind=${kind}`);
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

  // ---------- what the logged-in user sees of these ----------

  function renderOpsAccess() {
    // The heat map reads every customer: company-wide roles only (as the server rules).
    const allowed = ctx.session.mayReadCompanyWide();
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

  /** Texts built from data, after a language switch: build them again. */
  function refreshTexts() {
    if (rates.on) setRates(true);
    if (document.getElementById('h3-toggle').checked) setH3(true);
  }

  /** Finer hexagons as the map zooms in. */
  function watchZoom() {
    map.on('moveend', () => {
      if (document.getElementById('h3-toggle').checked && h3Res() !== hex.res) setH3(true);
    });
  }

  function bind() {
    document.getElementById('coverage-toggle').addEventListener('change', (e) => {
      setCoverage(e.target.checked).catch((err) => ctx.setStatus(t('load_failed') + err.message, true));
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
  }

  return { setCoverage, setRates, setH3, renderOpsAccess, refreshTexts, watchZoom, bind };
}
