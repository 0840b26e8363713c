// Clerks (and operations, administrators): upload a CSV of addresses, pick
// the address column, follow the geocoding job, download the result and the
// rows to fix, and see the geocoded rows as points on the map (a popup per
// point).

import { bboxOf, byZoom, decodeCsv, parseCsv } from './util.js';

const { maplibregl } = window;

// Point colours by geocoding status; failed rows have no point. Drawn
// with a dark ring on a white halo so they stand out on any cell colour.
const GEOCODE_STATUSES = [
  { key: 'matched', color: '#00c060' },
  { key: 'partial', color: '#ffae00' },
  { key: 'ambiguous', color: '#e0007a' },
  { key: 'failed', color: null },
];
const GEOCODE_LAYERS = ['geocode-halo', 'geocode-points'];

/** ctx: { map, state, API, h, t, fmtInt, fetchJson, api, session, panel } */
export function createGeocode(ctx) {
  const { map, API, h, t, fmtInt } = ctx;
  const geocodeJob = { bytes: null, timer: null, last: null, column: '', points: null, urls: [], popup: null };
  // How the server finds the address column (from /config): the names it
  // goes by, else the one column whose name holds one of the words.
  let addressColumns = { names: ['address', '地址'], words: ['地址', 'address'] };

  /** The address columns of the server's /config, when it names them. */
  function setAddressColumns(config) {
    if (Array.isArray(config?.address_columns) && Array.isArray(config?.address_column_words)) {
      addressColumns = { names: config.address_columns, words: config.address_column_words };
    }
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
    if (b) map.fitBounds(b, { padding: ctx.panel.fitPadding(), maxZoom: 15 });
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
    section.hidden = !ctx.session.mayGeocode();
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
    applyGeocodeVisibility();
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
      { headers: { Authorization: ctx.api.authorization() } });
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
        headers: { Authorization: ctx.api.authorization(), 'Content-Type': 'text/csv', Accept: 'application/json' } });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(body.message || `${res.status}`);
      progress.hidden = false;
      const cancel = document.getElementById('geocode-cancel');
      cancel.hidden = false;
      cancel.disabled = false;
      cancel.onclick = async () => {
        cancel.disabled = true;
        try {
          await ctx.postJson(`${API}/geocode/jobs/${encodeURIComponent(body.id)}/cancel`, {});
        } catch (err) {
          status.textContent = t('load_failed') + err.message;
          cancel.disabled = false;
        }
      };
      const poll = async () => {
        try {
          const j = await ctx.fetchJson(`${API}/geocode/jobs/${encodeURIComponent(body.id)}`);
          geocodeJob.last = j;
          progress.value = Number(j.percent_done) || 0;
          renderGeocode();
          if (j.state === 'queued' || j.state === 'running') { geocodeJob.timer = setTimeout(poll, 500); return; }
          cancel.hidden = true;
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

  /** A click on a shown point opens its popup; true when consumed. */
  function onMapClick(e) {
    const point = geocodePointAt(e.point);
    if (!point) return false;
    showGeocodePopup(point);
    return true;
  }

  function bind() {
    document.getElementById('geocode-file').addEventListener('change', (e) => { onGeocodeFile(e); });
    document.getElementById('geocode-column').addEventListener('change', (e) => {
      document.getElementById('geocode-submit').disabled = !e.target.value;
      document.getElementById('geocode-status').textContent = '';
    });
    document.getElementById('geocode-submit').addEventListener('click', () => { submitGeocode(); });
    document.getElementById('geocode-layer-toggle').addEventListener('change', () => applyGeocodeVisibility());
  }

  return { render: renderGeocode, onMapClick, setAddressColumns, bind };
}
