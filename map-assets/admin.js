// Changing the grid on the map. Administrators: a cell's type, cutting a
// cell along a drawn line, merging neighbouring cells, importing a GeoJSON
// of grids. Operations staff and administrators: the coverage report's fix
// proposals, previewed on the map before they are applied.
//
// Every change is previewed first (the server's dry_run), then confirmed;
// afterwards `ctx.afterEdit()` reloads tiles, stats, claims and the coverage
// layer, so the map shows the new grid at once.

const NO_FEATURES = { type: 'FeatureCollection', features: [] };
const PREVIEW_COLORS = ['#1f78b4', '#e6550d'];

/** ctx: { map, state, API, h, t, fill, fetchJson, postJson, setStatus,
 * select, fmtArea, fmtInt, afterEdit, renderDetails } */
export function createAdmin(ctx) {
  const { map, state, API, h, t } = ctx;
  // mode: null | { kind: 'line', code, points } | { kind: 'merge', codes }
  const edit = { mode: null, preview: null, types: null, fixPreview: null, geometries: new Map() };

  const may = (action) => state.user?.may?.[action] === 'yes';

  function ensureLayers() {
    if (map.getSource('edit')) return;
    map.addSource('edit', { type: 'geojson', data: NO_FEATURES });
    map.addLayer({ id: 'edit-fill', type: 'fill', source: 'edit',
      filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': ['coalesce', ['get', 'color'], '#1f78b4'], 'fill-opacity': 0.35 } });
    map.addLayer({ id: 'edit-outline', type: 'line', source: 'edit',
      filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'line-color': ['coalesce', ['get', 'color'], '#1f78b4'], 'line-width': 2.5,
        'line-dasharray': ['case', ['==', ['get', 'role'], 'before'], ['literal', [2, 2]], ['literal', [1, 0]]] } });
    map.addLayer({ id: 'edit-line', type: 'line', source: 'edit',
      filter: ['==', ['geometry-type'], 'LineString'],
      paint: { 'line-color': '#d7191c', 'line-width': 3 } });
    map.addLayer({ id: 'edit-vertex', type: 'circle', source: 'edit',
      filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 4, 'circle-color': '#fff', 'circle-stroke-color': '#d7191c', 'circle-stroke-width': 2 } });
  }

  function draw(features) {
    ensureLayers();
    map.getSource('edit').setData({ type: 'FeatureCollection', features });
    window.wanggeEditDrawn = features.length; // read by the browser tests
  }

  function clearDrawing() {
    if (map.getSource('edit')) map.getSource('edit').setData(NO_FEATURES);
    window.wanggeEditDrawn = 0;
  }

  function feature(geometry, properties = {}) {
    return { type: 'Feature', geometry, properties };
  }

  // ---------- modes ----------

  function setMode(mode) {
    edit.mode = mode;
    edit.preview = null;
    state.notice = null;
    clearDrawing();
    if (mode?.kind === 'line') map.doubleClickZoom.disable();
    else map.doubleClickZoom.enable();
    map.getCanvas().style.cursor = mode ? 'crosshair' : '';
    ctx.renderDetails();
  }

  function cancel() {
    setMode(null);
  }

  /** Clicks on the map while a mode is on; true when consumed. */
  function onMapClick(e) {
    const mode = edit.mode;
    if (!mode || edit.preview) return Boolean(mode);
    if (mode.kind === 'line') {
      mode.points.push([e.lngLat.lng, e.lngLat.lat]);
      drawLine();
      if (mode.points.length === 2) ctx.renderDetails(); // "Done" can be pressed now
      return true;
    }
    if (mode.kind === 'merge') {
      const hit = map.queryRenderedFeatures(e.point, { layers: ['cells-fill'] })[0];
      const code = hit?.properties?.code;
      if (!code) return true;
      const at = mode.codes.indexOf(code);
      if (at >= 0) mode.codes.splice(at, 1); else mode.codes.push(code);
      drawMergePicks();
      ctx.renderDetails();
      return true;
    }
    return false;
  }

  function onDoubleClick(e) {
    const mode = edit.mode;
    if (mode?.kind !== 'line' || edit.preview) return;
    e.preventDefault();
    // The double click's two clicks added the same point twice.
    const pts = mode.points;
    while (pts.length > 1 && pts.at(-1)[0] === pts.at(-2)[0] && pts.at(-1)[1] === pts.at(-2)[1]) pts.pop();
    previewSplit();
  }

  function onKey(e) {
    if (e.key === 'Escape' && edit.mode) cancel();
  }

  function drawLine() {
    const pts = edit.mode.points;
    draw([
      ...(pts.length > 1 ? [feature({ type: 'LineString', coordinates: pts })] : []),
      ...pts.map((p) => feature({ type: 'Point', coordinates: p })),
    ]);
  }

  async function drawMergePicks() {
    const mode = edit.mode;
    for (const code of mode.codes) {
      if (!edit.geometries.has(code)) {
        try {
          const detail = await ctx.fetchJson(`${API}/cells/${encodeURIComponent(code)}`);
          edit.geometries.set(code, detail.geometry);
        } catch { edit.geometries.set(code, null); }
      }
    }
    if (edit.mode !== mode || edit.preview) return;
    draw(mode.codes.map((code) => edit.geometries.get(code)).filter(Boolean)
      .map((g) => feature(g, { color: PREVIEW_COLORS[0], role: 'pick' })));
  }

  // ---------- server calls ----------

  async function run(action, fn) {
    try {
      ctx.setStatus(t('edit_working'));
      await fn();
      ctx.setStatus('');
    } catch (err) {
      ctx.setStatus(`${t(action)}: ${err.message}`, true);
      state.notice = { text: `${t(action)}: ${err.message}`, isError: true };
      ctx.renderDetails();
    }
  }

  function previewSplit() {
    const { code, points } = edit.mode;
    return run('edit_split', async () => {
      const res = await ctx.postJson(`${API}/cells/${encodeURIComponent(code)}/split`, { line: points, dry_run: true });
      edit.preview = { kind: 'split', code, points, res };
      draw([
        ...res.cells.map((c, i) => feature(c.geometry, { color: PREVIEW_COLORS[i % 2], role: 'after' })),
        feature({ type: 'LineString', coordinates: points }),
      ]);
      ctx.renderDetails();
    });
  }

  function previewMerge() {
    const { codes } = edit.mode;
    const into = state.selected?.code && codes.includes(state.selected.code) ? state.selected.code : codes[0];
    return run('edit_merge', async () => {
      const res = await ctx.postJson(`${API}/cells/merge`, { codes, into, dry_run: true });
      edit.preview = { kind: 'merge', codes, into, res };
      draw([feature(res.cell.geometry, { color: PREVIEW_COLORS[0], role: 'after' })]);
      ctx.renderDetails();
    });
  }

  function confirm() {
    const p = edit.preview;
    if (!p) return undefined;
    return run(p.kind === 'split' ? 'edit_split' : 'edit_merge', async () => {
      let keep;
      let text;
      if (p.kind === 'split') {
        const res = await ctx.postJson(`${API}/cells/${encodeURIComponent(p.code)}/split`, { line: p.points });
        keep = p.code;
        text = t('edit_split_done').replace('{code}', p.code).replace('{new}', res.cells[1].code)
          .replace('{n}', ctx.fmtInt(res.entities_replaced));
      } else {
        const res = await ctx.postJson(`${API}/cells/merge`, { codes: p.codes, into: p.into });
        keep = p.into;
        text = t('edit_merge_done').replace('{code}', p.into).replace('{removed}', res.removed.join(', '))
          .replace('{n}', ctx.fmtInt(res.entities_replaced));
      }
      setMode(null);
      edit.geometries.clear();
      await ctx.afterEdit();
      await ctx.select(keep, 4, null);
      state.notice = { text, isError: false };
      ctx.renderDetails();
    });
  }

  async function saveType(code, cellType) {
    return run('edit_type', async () => {
      await ctx.fetchJson(`${API}/grids/${encodeURIComponent(code)}`, undefined,
        { method: 'PATCH', body: { cell_type: cellType } });
      await ctx.afterEdit();
      await ctx.select(code, 4, null);
      state.notice = { text: t('edit_type_done'), isError: false };
      ctx.renderDetails();
    });
  }

  async function cellTypes() {
    if (!edit.types) {
      const res = await ctx.fetchJson(`${API}/cell-types`);
      edit.types = res.cell_types || [];
    }
    return edit.types;
  }

  // ---------- the details panel block ----------

  /** The editing tools for the selected grid, or null. */
  function detailsBlock(sel) {
    if (!may('edit_grid') || !sel?.detail) return null;
    const { grid } = sel.detail;
    if (Number(grid.level) !== 4) return null;
    const box = h('div', { class: 'edit-tools', id: 'edit-tools' }, h('h4', {}, t('edit_title')));
    const mode = edit.mode;
    if (!mode) {
      const select = h('select', { id: 'edit-type', 'aria-label': t('type') });
      cellTypes().then((types) => {
        select.replaceChildren(...types.map((ty) => h('option', { value: ty.code, selected: ty.code === grid.cell_type },
          `${ty.code} ${state.lang === 'en' ? ty.name_en : ty.name_zh}`)));
      }).catch(() => {});
      box.append(
        h('div', { class: 'edit-row' }, select,
          h('button', { type: 'button', id: 'edit-type-save', onclick: () => saveType(grid.code, select.value) }, t('edit_type_save'))),
        h('div', { class: 'edit-row' },
          h('button', { type: 'button', id: 'edit-split', onclick: () => setMode({ kind: 'line', code: grid.code, points: [] }) }, t('edit_split')),
          h('button', { type: 'button', id: 'edit-merge', onclick: () => { setMode({ kind: 'merge', codes: [grid.code] }); drawMergePicks(); } }, t('edit_merge'))),
      );
      return box;
    }
    if (edit.preview) {
      const p = edit.preview;
      const lines = p.kind === 'split'
        ? p.res.cells.map((c, i) => h('li', {}, h('span', { class: 'swatch small', style: `background:${PREVIEW_COLORS[i % 2]}` }),
          ` ${c.code} · ${ctx.fmtArea(c.area_m2)}${i === 0 ? ` · ${t('edit_keeps_claims')}` : ` · ${t('edit_new_cell')}`}`))
        : [h('li', {}, `${p.into} · ${ctx.fmtArea(p.res.cell.area_m2)}`),
          h('li', {}, `${t('edit_removed')}: ${p.res.removed.join(', ')}`),
          p.res.claim ? h('li', {}, `${t('edit_claim_holder')}: ${p.res.claim.manager}`) : null];
      box.append(h('p', { class: 'hint' }, t('edit_preview')), h('ul', { class: 'edit-preview-list' }, lines),
        h('div', { class: 'edit-row' },
          h('button', { type: 'button', class: 'primary', id: 'edit-confirm', onclick: confirm }, t('edit_confirm')),
          h('button', { type: 'button', id: 'edit-cancel', onclick: cancel }, t('edit_cancel'))));
      return box;
    }
    if (mode.kind === 'line') {
      box.append(h('p', { class: 'hint', id: 'edit-hint' }, t('edit_line_hint')),
        h('div', { class: 'edit-row' },
          h('button', { type: 'button', id: 'edit-line-done', disabled: mode.points.length < 2, onclick: previewSplit }, t('edit_line_done')),
          h('button', { type: 'button', id: 'edit-cancel', onclick: cancel }, t('edit_cancel'))));
    } else {
      box.append(h('p', { class: 'hint', id: 'edit-hint' }, t('edit_merge_hint')),
        h('p', {}, mode.codes.join(' + ')),
        h('div', { class: 'edit-row' },
          h('button', { type: 'button', id: 'edit-merge-preview', disabled: mode.codes.length < 2, onclick: previewMerge }, t('edit_merge_preview')),
          h('button', { type: 'button', id: 'edit-cancel', onclick: cancel }, t('edit_cancel'))));
    }
    return box;
  }

  // ---------- import (administrators) ----------

  function renderImport() {
    const section = document.getElementById('admin');
    if (!section) return;
    section.hidden = !may('edit_grid');
  }

  async function importFile() {
    const file = document.getElementById('import-file').files?.[0];
    const level = document.getElementById('import-level').value;
    const out = document.getElementById('import-status');
    if (!file) { out.textContent = t('import_pick'); return; }
    out.className = 'hint';
    out.textContent = t('edit_working');
    try {
      const text = await file.text();
      const res = await fetch(`${API}/grids/import?level=${encodeURIComponent(level)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/geo+json', Accept: 'application/json',
          'Accept-Language': state.lang === 'en' ? 'en' : 'zh-CN', Authorization: `Bearer ${state.token}` },
        body: text,
      });
      const body = await res.json().catch(() => null);
      if (!res.ok) {
        const err = new Error(body?.message || `${res.status}`);
        err.features = body?.params?.features || [];
        throw err;
      }
      const invalid = (body.invalid || []).map((x) => `${x.feature}: ${x.reason}`);
      out.textContent = t('import_done').replace('{inserted}', ctx.fmtInt(body.inserted))
        .replace('{updated}', ctx.fmtInt(body.updated)).replace('{invalid}', ctx.fmtInt(invalid.length))
        .replace('{n}', ctx.fmtInt(body.entities_replaced));
      if (invalid.length) out.append(h('ul', { class: 'import-invalid' }, invalid.slice(0, 20).map((x) => h('li', {}, x))));
      await ctx.afterEdit();
    } catch (err) {
      out.className = 'error';
      out.textContent = `${t('import_failed')}: ${err.message}`;
      // One line per refused feature, not run together.
      if (err.features?.length) {
        out.append(h('ul', { class: 'import-invalid', id: 'import-refused' },
          err.features.slice(0, 50).map((f) => h('li', {}, `${f.feature}: ${f.message}`))));
      }
    }
  }

  // ---------- coverage fixes (operations, administrators) ----------

  function renderFixes() {
    const box = document.getElementById('fix-box');
    if (!box) return;
    box.hidden = !may('fix_coverage') || !document.getElementById('coverage-toggle')?.checked;
  }

  async function previewFixes() {
    const level = Number(document.getElementById('fix-level').value);
    const out = document.getElementById('fix-result');
    out.replaceChildren(h('p', { class: 'hint' }, t('edit_working')));
    try {
      const res = await ctx.postJson(`${API}/coverage/fixes`, { level, dry_run: true });
      edit.fixPreview = { level, res };
      draw(res.changes.flatMap((c) => [
        feature(c.before, { color: '#7f7f7f', role: 'before' }),
        feature(c.after, { color: '#1a9641', role: 'after' }),
      ]));
      const rows = res.difference.filter((d) => d.level === level && d.count_before !== d.count_after);
      out.replaceChildren(
        h('p', { id: 'fix-summary' }, t('fix_summary').replace('{changes}', ctx.fmtInt(res.changes.length))
          .replace('{blind}', ctx.fmtInt(res.blind_spots_left)).replace('{held}', ctx.fmtInt(res.left_alone.length))),
        h('table', { class: 'rates-table', id: 'fix-diff' },
          h('thead', {}, h('tr', {}, h('th', {}, t('fix_kind')), h('th', {}, t('fix_before')), h('th', {}, t('fix_after')))),
          h('tbody', {}, rows.map((d) => h('tr', {}, h('td', {}, t(`fix_${d.kind}`)), h('td', {}, ctx.fmtInt(d.count_before)), h('td', {}, ctx.fmtInt(d.count_after)))))),
        h('ol', { class: 'coverage-list' }, res.changes.slice(0, 50).map((c) => h('li', {},
          h('button', { type: 'button', class: 'link', onclick: () => ctx.zoomTo(c.after) },
            `${c.grid} ${ctx.fmtArea(c.area_before_m2)} → ${ctx.fmtArea(c.area_after_m2)}`)))),
        res.changes.length ? h('button', { type: 'button', class: 'primary', id: 'fix-apply', onclick: applyFixes }, t('fix_apply')) : null,
      );
    } catch (err) {
      out.replaceChildren(h('p', { class: 'error' }, `${t('fix_preview')}: ${err.message}`));
    }
  }

  async function applyFixes() {
    const p = edit.fixPreview;
    const out = document.getElementById('fix-result');
    if (!p) return;
    try {
      const res = await ctx.postJson(`${API}/coverage/fixes`, { level: p.level, revision: p.res.revision });
      edit.fixPreview = null;
      clearDrawing();
      out.replaceChildren(h('p', { class: 'ok', id: 'fix-done' }, t('fix_done').replace('{changes}', ctx.fmtInt(res.changes.length))
        .replace('{n}', ctx.fmtInt(res.entities_replaced))));
      await ctx.afterEdit();
    } catch (err) {
      out.replaceChildren(h('p', { class: 'error' }, `${t('fix_apply')}: ${err.message}`));
    }
  }

  function setup() {
    map.on('dblclick', onDoubleClick);
    document.addEventListener('keydown', onKey);
    document.getElementById('import-submit')?.addEventListener('click', importFile);
    document.getElementById('fix-preview')?.addEventListener('click', previewFixes);
    document.getElementById('coverage-toggle')?.addEventListener('change', () => {
      renderFixes();
      if (!document.getElementById('coverage-toggle').checked) clearDrawing();
    });
  }

  return {
    setup,
    onMapClick,
    detailsBlock,
    /** After login, logout or a language switch. */
    render() { renderImport(); renderFixes(); if (!may('edit_grid') && edit.mode) cancel(); },
    get mode() { return edit.mode; },
  };
}
