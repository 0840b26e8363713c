// Name labels drawn as HTML markers. There is no glyph server (the map must
// work offline on an intranet), so MapLibre symbol layers cannot draw text;
// the browser's own fonts can, including Chinese.

/** A point well inside a polygon for its label: the middle of the longest
 * horizontal run through the largest ring, scanning a few lines. Cheaper than
 * a true pole of inaccessibility and good enough for grid-shaped polygons. */
export function labelPoint(geometry) {
  if (!geometry) return null;
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates]
    : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  let best = null;
  let bestArea = -1;
  for (const rings of polygons) {
    const area = rings.length ? Math.abs(ringArea(rings[0])) : 0;
    if (area > bestArea) { bestArea = area; best = rings; }
  }
  if (!best || !best[0] || best[0].length < 3) return null;
  let minY = Infinity; let maxY = -Infinity;
  for (const [, y] of best[0]) { minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
  let pick = null;
  const lines = 11;
  for (let i = 1; i <= lines; i += 1) {
    const y = minY + ((maxY - minY) * i) / (lines + 1);
    const xs = [];
    for (const ring of best) {
      for (let k = 0, j = ring.length - 1; k < ring.length; j = k, k += 1) {
        const [x1, y1] = ring[k]; const [x2, y2] = ring[j];
        if ((y1 > y) !== (y2 > y)) xs.push(x1 + ((y - y1) * (x2 - x1)) / (y2 - y1));
      }
    }
    xs.sort((a, b) => a - b);
    // Prefer runs near the vertical middle: weight the run by closeness.
    const weight = 1 - Math.abs(i - (lines + 1) / 2) / (lines + 1);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const score = (xs[k + 1] - xs[k]) * weight;
      if (!pick || score > pick.score) pick = { score, x: (xs[k] + xs[k + 1]) / 2, y };
    }
  }
  return pick ? [pick.x, pick.y] : best[0][0];
}

function ringArea(ring) {
  let s = 0;
  for (let k = 0, j = ring.length - 1; k < ring.length; j = k, k += 1) {
    s += (ring[j][0] - ring[k][0]) * (ring[j][1] + ring[k][1]);
  }
  return s / 2;
}

/** Keeps one set of HTML label markers on the map; `show` places the given
 * candidates (highest priority first), skipping any that would overlap an
 * already placed label or an obstacle (a screen box [x0, y0, x1, y1], such as
 * the panel) or fall outside the view, and removes the rest. */
export class LabelLayer {
  constructor(map, maplibregl) {
    this.map = map;
    this.maplibregl = maplibregl;
    this.markers = new Map(); // key -> Marker
  }

  show(candidates, obstacles = []) {
    const canvas = this.map.getCanvas();
    const width = canvas.clientWidth; const height = canvas.clientHeight;
    const margin = 4;
    const placed = [...obstacles];
    const keep = new Set();
    for (const c of candidates) {
      const p = this.map.project(c.lngLat);
      const { w, h } = this.measure(c.className, c.text);
      const box = [p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2];
      if (box[0] < margin || box[1] < margin || box[2] > width - margin || box[3] > height - margin) continue;
      if (placed.some((b) => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3])) continue;
      placed.push(box);
      keep.add(c.key);
      if (!this.markers.has(c.key)) {
        const el = document.createElement('div');
        el.className = `lbl ${c.className}`;
        el.textContent = c.text;
        const marker = new this.maplibregl.Marker({ element: el, anchor: 'center' })
          .setLngLat(c.lngLat)
          .addTo(this.map);
        this.markers.set(c.key, marker);
      }
    }
    for (const [key, marker] of this.markers) {
      if (!keep.has(key)) { marker.remove(); this.markers.delete(key); }
    }
  }

  clear() { this.show([]); }

  /** Size of a label as the stylesheet draws it (font read from a probe
   * element of the same class, width measured on a 2D canvas), plus a gap. */
  measure(className, text) {
    if (!this.fonts) { this.fonts = new Map(); this.ctx = document.createElement('canvas').getContext('2d'); }
    let font = this.fonts.get(className);
    if (!font) {
      const probe = document.createElement('div');
      probe.className = `lbl ${className}`;
      probe.style.cssText = 'position:absolute;visibility:hidden';
      document.body.append(probe);
      const cs = getComputedStyle(probe);
      font = { css: `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`, px: parseFloat(cs.fontSize) || 12 };
      probe.remove();
      this.fonts.set(className, font);
    }
    this.ctx.font = font.css;
    return { w: this.ctx.measureText(text).width + 10, h: font.px + 6 };
  }

  /** Forget measured fonts (the stylesheet may differ after a resize). */
  resetFonts() { this.fonts = null; }
}
