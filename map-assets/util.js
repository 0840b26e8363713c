// Small helpers the map page's modules share: building DOM, number formats,
// bounding boxes, MapLibre expressions, CSV. Pure functions, no state.

// ---------- DOM ----------

export function h(tag, attrs = {}, ...children) {
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
export function fill(el, ...kids) {
  el.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
}

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

// ---------- numbers ----------

/** Counts and areas in the page's language: `t` gives the texts (number_locale, sq_km, sq_m). */
export function formatters(t) {
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

  return { fmtInt, fmtArea };
}

export function fmtPct(x) {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–';
}

// ---------- bounding boxes ([west, south, east, north]) ----------

export function extendBbox(b, geometry) {
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

export function bboxOf(features) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features) extendBbox(b, f.geometry);
  return Number.isFinite(b[0]) ? b : null;
}

// ---------- MapLibre expressions ----------

export const byZoom = (...stops) => ['interpolate', ['linear'], ['zoom'], ...stops];

export function levelFilter(level) {
  return ['==', ['get', 'level'], level];
}

// ---------- timing ----------

export function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

// ---------- CSV ----------

export function decodeCsv(bytes) {
  try { return new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { return new TextDecoder('gbk').decode(bytes); }
}

// CSV as the server writes it (RFC 4180): a quoted field may hold commas,
// line breaks and doubled quotes. A stray quote inside an unquoted field is
// kept as it is.
export function parseCsv(text) {
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
