// Claims: a grid manager claims and releases cells; the map colours each
// cell by its open claim (feature state `claim`), the details show a cell's
// claim, customers, resources and history. The lasso claims many cells at
// once.

const NO_FEATURES = { type: 'FeatureCollection', features: [] };

/** ctx: { map, state, API, h, t, fill, fmtInt, fetchJson, postJson, setStatus, session, panel } */
export function createClaims(ctx) {
  const { map, state, API, h, t, fill, fmtInt } = ctx;

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
    ctx.session.renderAccount();
  }

  async function loadClaims() {
    state.claims = new Map();
    if (state.token) {
      try {
        const r = await ctx.fetchJson(`${API}/claims?status=pending,active&limit=10000`);
        for (const c of r.claims || []) state.claims.set(c.cell, c);
      } catch (err) {
        ctx.setStatus(t('load_failed') + err.message, true);
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
    // The server's messages come in the page's language (Accept-Language).
    if (Array.isArray(b.refusals) && b.refusals.length) {
      return t('refused') + b.refusals.map((r) => r.message).join('；');
    }
    return t('refused') + (b.message || err.message);
  }

  async function claimStep(code, action, body = {}) {
    try {
      const r = await ctx.postJson(`${API}/cells/${encodeURIComponent(code)}/${action}`, body);
      setClaim(code, r.claim);
      state.notice = null;
    } catch (err) {
      state.notice = { text: refusalText(err), isError: true };
    }
    transferOpen = null;
    ctx.session.renderAccount();
    // A decision or a transfer changes the supervisor's queue (shown only to them).
    ctx.queue?.reload();
    if (state.selected?.code === code) {
      ctx.panel.renderDetails();
      loadCellExtras(code, state.selectSeq);
    }
  }

  // The cell whose transfer input is open (one at a time).
  let transferOpen = null;

  /** What /me allows for `action` on this cell: 'yes', or 'in_scope' with
   * the cell inside one of the user's scopes (the server still decides). */
  function mayOnCell(action, code, chain) {
    const m = ctx.session.may(action);
    if (m === 'yes') return true;
    if (m !== 'in_scope' || !state.user) return false;
    const scopes = new Set(state.user.scopes || []);
    return scopes.has(code) || (chain || []).some((a) => scopes.has(a.code));
  }

  /** Locked: the claim says so; a cell without a claim, its last lock or unlock. */
  function isLocked(c, history) {
    if (c) return Boolean(c.locked);
    const last = (history || []).filter((e) => e.action === 'lock' || e.action === 'unlock').pop();
    return last?.action === 'lock';
  }

  /** Supervisor's buttons: approve / reject a pending claim, lock / unlock, transfer. */
  function superviseButtons(code, c, sel, extras) {
    const chain = sel.detail?.chain;
    const buttons = [];
    if (c?.status === 'pending') {
      if (mayOnCell('approve', code, chain)) {
        buttons.push(h('button', { type: 'button', class: 'primary', id: 'approve-btn', onclick: () => claimStep(code, 'approve') }, t('approve')));
      }
      if (mayOnCell(ctx.session.may('reject') === 'no' ? 'approve' : 'reject', code, chain)) {
        buttons.push(h('button', { type: 'button', id: 'reject-btn', onclick: () => claimStep(code, 'reject') }, t('reject')));
      }
    }
    const locked = isLocked(c, extras.history);
    if (locked && mayOnCell(ctx.session.may('unlock') === 'no' ? 'lock' : 'unlock', code, chain)) {
      buttons.push(h('button', { type: 'button', id: 'unlock-btn', onclick: () => claimStep(code, 'unlock') }, t('unlock')));
    } else if (!locked && mayOnCell('lock', code, chain)) {
      buttons.push(h('button', { type: 'button', id: 'lock-btn', onclick: () => claimStep(code, 'lock') }, t('lock')));
    }
    let transferBox = null;
    if (c && mayOnCell('transfer', code, chain)) {
      if (transferOpen === code) {
        const input = h('input', { id: 'transfer-to', autocomplete: 'off', placeholder: t('transfer_to'), 'aria-label': t('transfer_to') });
        const go = () => { const to = input.value.trim(); if (to) claimStep(code, 'transfer', { to }); };
        input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); go(); } });
        transferBox = h('div', { class: 'actions transfer-box' }, input,
          h('button', { type: 'button', class: 'primary', id: 'transfer-go', onclick: go }, t('transfer_confirm')),
          h('button', { type: 'button', id: 'transfer-cancel', onclick: () => { transferOpen = null; ctx.panel.renderDetails(); } }, t('cancel_action')));
        setTimeout(() => input.focus(), 0);
      } else {
        buttons.push(h('button', { type: 'button', id: 'transfer-btn',
          onclick: () => { transferOpen = code; ctx.panel.renderDetails(); } }, t('transfer')));
      }
    }
    return { buttons, transferBox, locked };
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
    let cannot = null;
    if (kind === 'none' && extras.claimable === true) {
      buttons.push(h('button', { type: 'button', class: 'primary', id: 'claim-btn', onclick: () => claimStep(code, 'claim') }, t('claim')));
    } else if (kind === 'none' && extras.claimable) {
      // The rules' answer, asked of the server (it stays the judge).
      cannot = h('p', { class: 'hint', id: 'claim-refused' }, extras.claimable);
    } else if (kind === 'mine' || (kind === 'pending' && c.manager?.id === state.user?.id)) {
      buttons.push(h('button', { type: 'button', id: 'release-btn', onclick: () => claimStep(code, 'release') }, t('release')));
    }
    if (transferOpen && transferOpen !== code) transferOpen = null;
    const sup = superviseButtons(code, c, sel, extras);
    buttons.push(...sup.buttons);
    if (sup.locked) rows.push([t('lock_state'), h('span', { id: 'lock-state' }, t('locked'))]);
    const history = (extras.history || []).slice(-5).reverse();
    return h('div', { class: 'claim-block' },
      h('dl', {}, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      extras.cellDataDenied ? h('p', { class: 'hint', id: 'cell-data-denied' }, t('cell_data_denied')) : null,
      cannot,
      buttons.length ? h('div', { class: 'actions' }, buttons) : null,
      sup.transferBox,
      extras.history ? h('div', { class: 'history' },
        h('h4', {}, t('history')),
        history.length ? h('ol', {}, history.map((e) => h('li', {},
          `${new Date(e.at_ms).toLocaleString(t('number_locale'))} · ${t(`act_${e.action}`)} · ${e.actor}`
          + (e.status ? ` → ${t(`st_${e.status}`)}` : '')))) : h('p', { class: 'hint' }, t('no_history'))) : null);
  }

  /** Whether this user may claim the unclaimed cell `code`: `true`, the
   * server's reason why not (the claim rules' dry run: it stays the judge),
   * or null for a user who does not claim or a cell with a claim. */
  async function claimableText(code) {
    if (!state.user || ctx.session.may('claim') === 'no' || state.claims.get(code)) return null;
    try {
      const r = await ctx.fetchJson(`${API}/cells/${encodeURIComponent(code)}/claimable`);
      return r.claimable ? true : t('cannot_claim') + r.message;
    } catch {
      return null;
    }
  }

  // Customers, resources and history of a selected cell (each may be refused
  // to this user: then it is simply not shown).
  async function loadCellExtras(code, seq) {
    const enc = encodeURIComponent(code);
    const count = (r) => r?.total ?? r?.count ?? (Array.isArray(r?.items) ? r.items.length
      : Array.isArray(r?.features) ? r.features.length : undefined);
    // Asked only when the server would answer (no 403 for a manager's neighbour cell).
    const cellData = ctx.session.mayReadCell(code, state.selected?.detail?.chain);
    const [customers, resources, history, claimable] = await Promise.all([
      cellData ? ctx.fetchJson(`${API}/cells/${enc}/customers?limit=1`).catch(() => null) : null,
      cellData ? ctx.fetchJson(`${API}/cells/${enc}/resources?limit=1`).catch(() => null) : null,
      ctx.fetchJson(`${API}/cells/${enc}/history`).catch(() => null),
      claimableText(code),
    ]);
    if (seq !== state.selectSeq || !state.selected) return;
    state.selected.extras = { customers: count(customers), resources: count(resources), history: history?.history,
      cellDataDenied: !cellData, claimable };
    ctx.panel.renderDetails();
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
    const show = ctx.session.mayClaim();
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
            const r = await ctx.postJson(`${API}/claims/batch`, { cells: codes, action: 'claim' });
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
          ctx.session.renderAccount();
        } }, t('claim_all'))),
      msg, rest);
    if (ctx.panel.isPhone()) ctx.panel.setPanelOpen(true);
  }
  return { claimKind, applyClaimStates, loadClaims, setClaim, claimBlock, loadCellExtras, setupLasso,
    updateLassoControl };
}
