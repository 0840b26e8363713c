// The map's own layers: the base style, grid outlines and cells from the
// server's vector tiles (/tiles), which levels are shown, the selected grid's
// outline, the fill by category or claim, the server's base map and the
// name labels.

import { CATEGORIES, CLAIM_COLORS } from './i18n.js';
import { labelPoint, LabelLayer } from './labels.js';
import { bboxOf, byZoom, debounce, escapeHtml, levelFilter } from './util.js';

const CELL_LABEL_MIN_ZOOM = 13;
const LEVEL2_LABEL_MIN_ZOOM = 9.5;
const MAX_CELL_LABELS = 250;

export const COLORS = {
  l1: '#1b1f24',
  l2: '#3d4650',
  l3: '#6b7580',
  invalid: '#d7191c',
  selected: '#00b4d8',
};

/** The style the map starts with: a plain background, the grid is the base
 * (a server with `--basemap-url` adds its raster base map, see addBasemap). */
export function baseStyle() {
  return {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0f2' } }],
  };
}

const categoryColor = ['match', ['get', 'category'],
  ...CATEGORIES.flatMap((c) => [c.key, c.color]), '#cccccc'];
const isInvalid = ['has', 'invalid'];
const claimColor = ['match', ['coalesce', ['feature-state', 'claim'], 'none'],
  ...CLAIM_COLORS.flatMap((c) => [c.key, c.color]), '#d9d9d9'];
// What a click selects, the topmost first.
const HIT_LAYERS = ['cells-fill', 'grids-hit-3', 'grids-hit-2', 'grids-hit-1'];

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

/** ctx: { map, state, API, TILES, fetchJson, session } */
export function createLayers(ctx) {
  const { map, state, API, TILES } = ctx;
  const levelLayers = { 1: [], 2: [], 3: [], 4: [] };
  let labels = null;

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

  /** After the grid changed: new tile URLs, so no cached tile of the old grid is reused. */
  function refreshTiles(version) {
    for (const layer of ['cells', 'grids']) {
      map.getSource(layer)?.setTiles([`${TILES}/${layer}/{z}/{x}/{y}.mvt?v=${version}`]);
    }
  }

  // `wangge serve --basemap-url` (from /config): without one nothing changes
  // (the grid is the base).
  function addBasemap(b) {
    if (!b?.url || map.getSource('basemap')) return;
    map.addSource('basemap', { type: 'raster', tiles: [b.url], tileSize: 256,
      attribution: b.attribution ? escapeHtml(b.attribution) : undefined });
    map.addLayer({ id: 'basemap', type: 'raster', source: 'basemap' }, 'cells-fill');
  }

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

  function setFillMode(mode) {
    state.fillMode = mode;
    if (map.getLayer('cells-fill')) {
      map.setPaintProperty('cells-fill', 'fill-color', mode === 'claims' ? claimColor : categoryColor);
    }
    ctx.session.renderAccount();
  }

  /** Grids and cells under a point (of the levels shown), the topmost first. */
  function featuresAt(point) {
    const order = HIT_LAYERS.filter((id) => map.getLayoutProperty(id, 'visibility') !== 'none');
    const hits = map.queryRenderedFeatures(point, { layers: order });
    hits.sort((a, b) => order.indexOf(a.layer.id) - order.indexOf(b.layer.id));
    return hits;
  }

  // ---------- grids as GeoJSON ----------

  // Levels 1 and 2 as GeoJSON, for their labels and the first view only: the
  // map draws every level from the vector tiles.
  async function loadGrids() {
    const levels = await Promise.all([1, 2].map((level) => ctx.fetchJson(`${API}/grids?level=${level}`)));
    const features = levels.flatMap((fc) => fc.features || []);
    for (const f of features) f.properties.level = Number(f.properties.level);
    for (const f of features) {
      const p = f.properties || {};
      if (p.code) state.gridsByCode.set(p.code, f);
    }
    state.territoryBbox = bboxOf(levels[0].features || []) || bboxOf(features);
  }

  // ---------- labels ----------

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

  /** Labels from now on (the map has loaded); updateLabels does nothing before. */
  function startLabels() {
    labels = new LabelLayer(map, window.maplibregl);
  }

  /** Labels follow the view, the canvas size and the cells as their tiles arrive. */
  function watchLabels() {
    map.on('moveend', () => updateLabels());
    map.on('resize', () => { labels.resetFonts(); updateLabels(); });
    // Cell labels depend on what is drawn; re-place them when new tiles arrive.
    const relabel = debounce(updateLabels, 150);
    map.on('sourcedata', (e) => {
      if (e.sourceId === 'cells' && e.isSourceLoaded && map.getZoom() >= CELL_LABEL_MIN_ZOOM) relabel();
    });
  }

  return { addLayers, refreshTiles, addBasemap, applyVisibility, setSelectedHighlight, setFillMode,
    featuresAt, loadGrids, updateLabels, startLabels, watchLabels };
}
