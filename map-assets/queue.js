// The supervisor's queue: the pending claims they may decide (approve or
// reject), filtered by manager, grid code and age, decided in one batch
// (`POST /claims/batch`: all or nothing). Shown only to users whose /me
// `may.approve` is not 'no'; the server stays the judge of every cell.

const DAY_MS = 86_400_000;

/** ctx: { state, API, h, t, fill, fmtInt, fetchJson, postJson, session, claims, panel } */
export function createQueue(ctx) {
  const { state, API, h, t, fill, fmtInt } = ctx;
  const q = {
    claims: [], // the last answer of GET /claims?status=pending
    error: null,
    loadedFor: null, // token the list was loaded with
    builtFor: null, // user + language the section was built for
    managers: new Set(), // names seen in loads not filtered by manager
    filter: { manager: '', grid: '', days: '' },
    checked: new Set(),
    busy: false,
    seq: 0,
    els: null,
  };

  const shown = () => Boolean(state.user) && ctx.session.may('approve') !== 'no';

  async function reload() {
    if (!shown()) return;
    q.seq += 1;
    const seq = q.seq;
    q.loadedFor = state.token;
    const params = new URLSearchParams({ status: 'pending', limit: '500' });
    if (q.filter.grid.trim()) params.set('grid', q.filter.grid.trim());
    if (q.filter.manager) params.set('manager', q.filter.manager);
    try {
      const r = await ctx.fetchJson(`${API}/claims?${params}`);
      if (seq !== q.seq) return;
      q.claims = r.claims || [];
      q.error = null;
      if (!q.filter.manager) for (const c of q.claims) if (c.manager?.name) q.managers.add(c.manager.name);
    } catch (err) {
      if (seq !== q.seq) return;
      q.claims = [];
      q.error = t('load_failed') + err.message;
    }
    const present = new Set(q.claims.map((c) => c.cell));
    for (const code of [...q.checked]) if (!present.has(code)) q.checked.delete(code);
    renderList();
  }

  function ageText(ms) {
    if (!Number.isFinite(ms)) return '–';
    const age = Math.max(0, Date.now() - ms);
    if (age >= DAY_MS) return t('queue_age_days').replace('{n}', fmtInt(Math.floor(age / DAY_MS)));
    if (age >= 3_600_000) return t('queue_age_hours').replace('{n}', fmtInt(Math.floor(age / 3_600_000)));
    return t('queue_age_new');
  }

  /** The loaded claims that pass the age filter (the others are filtered by the server). */
  function visible() {
    const days = Number(q.filter.days);
    if (!q.filter.days || !Number.isFinite(days) || days <= 0) return q.claims;
    const before = Date.now() - days * DAY_MS;
    return q.claims.filter((c) => Number(c.requested_at_ms) <= before);
  }

  function setMessage(text, isError) {
    if (!q.els) return;
    q.els.msg.className = isError ? 'error notice' : 'ok notice';
    q.els.msg.textContent = text || '';
  }

  async function decide(action) {
    const rows = visible().filter((c) => q.checked.has(c.cell));
    if (!rows.length || q.busy) return;
    q.busy = true;
    renderList();
    const cells = rows.map((c) => c.cell);
    try {
      await ctx.postJson(`${API}/claims/batch`, { cells, action });
      q.checked.clear();
      setMessage(t(action === 'approve' ? 'queue_approved' : 'queue_rejected').replace('{n}', fmtInt(cells.length)), false);
    } catch (err) {
      // The server's texts, in the page's language; never its codes.
      const b = err.body || {};
      const each = Array.isArray(b.refusals) ? b.refusals.map((r) => r.message).filter(Boolean) : [];
      setMessage(t('refused') + (b.message || err.message) + (each.length ? `：${each.join('；')}` : ''), true);
    }
    q.busy = false;
    await Promise.all([reload(), ctx.claims.loadClaims()]);
    ctx.panel.renderDetails();
    const sel = state.selected;
    if (sel?.code && Number(sel.detail?.grid?.level) === 4) ctx.claims.loadCellExtras(sel.code, state.selectSeq);
  }

  function renderManagers() {
    const { manager } = q.els;
    const names = [...new Set([...q.managers, ...(q.filter.manager ? [q.filter.manager] : [])])].sort();
    manager.replaceChildren(h('option', { value: '' }, t('queue_all_managers')),
      ...names.map((n) => h('option', { value: n, selected: n === q.filter.manager }, n)));
    manager.value = q.filter.manager;
  }

  function renderList() {
    if (!q.els) return;
    renderManagers();
    const rows = visible();
    const checkedShown = rows.filter((c) => q.checked.has(c.cell)).length;
    q.els.count.textContent = t('queue_count').replace('{n}', fmtInt(rows.length))
      + (checkedShown ? t('queue_checked').replace('{n}', fmtInt(checkedShown)) : '');
    q.els.all.checked = rows.length > 0 && checkedShown === rows.length;
    q.els.all.indeterminate = checkedShown > 0 && checkedShown < rows.length;
    q.els.all.disabled = rows.length === 0;
    q.els.approve.disabled = q.busy || checkedShown === 0;
    q.els.reject.disabled = q.busy || checkedShown === 0;
    if (q.error) { fill(q.els.list, h('li', { class: 'error' }, q.error)); return; }
    if (!rows.length) { fill(q.els.list, h('li', { class: 'hint' }, t('queue_empty'))); return; }
    fill(q.els.list, rows.map((c) => h('li', { class: 'queue-row', 'data-code': c.cell },
      h('input', { type: 'checkbox', class: 'queue-check', 'aria-label': c.cell, checked: q.checked.has(c.cell),
        onchange: (e) => { if (e.target.checked) q.checked.add(c.cell); else q.checked.delete(c.cell); renderList(); } }),
      h('button', { type: 'button', class: 'link queue-cell', onclick: () => ctx.panel.select(c.cell, 4, null, true) },
        h('span', { class: 'cell-code' }, c.cell), ` ${c.cell_name || ''}`),
      h('span', { class: 'queue-meta' }, `${c.manager?.name || '–'} · ${ageText(Number(c.requested_at_ms))}`))));
  }

  function build(section) {
    const manager = h('select', { id: 'queue-manager', 'aria-label': t('queue_manager'),
      onchange: (e) => { q.filter.manager = e.target.value; reload(); } });
    const grid = h('input', { id: 'queue-grid', type: 'search', value: q.filter.grid, placeholder: t('queue_grid'),
      'aria-label': t('queue_grid'), onchange: (e) => { q.filter.grid = e.target.value; reload(); } });
    const days = h('input', { id: 'queue-days', type: 'number', min: '0', step: '1', value: q.filter.days,
      placeholder: t('queue_days'), 'aria-label': t('queue_days'),
      oninput: (e) => { q.filter.days = e.target.value; renderList(); } });
    const all = h('input', { type: 'checkbox', id: 'queue-all', 'aria-label': t('queue_select_all'),
      onchange: (e) => {
        for (const c of visible()) { if (e.target.checked) q.checked.add(c.cell); else q.checked.delete(c.cell); }
        renderList();
      } });
    const approve = h('button', { type: 'button', class: 'primary', id: 'queue-approve', onclick: () => decide('approve') }, t('queue_approve'));
    const reject = h('button', { type: 'button', id: 'queue-reject', onclick: () => decide('reject') }, t('queue_reject'));
    const count = h('span', { id: 'queue-count', class: 'hint' });
    const list = h('ul', { id: 'queue-list', class: 'queue-list' });
    const msg = h('p', { id: 'queue-msg', class: 'notice' });
    q.els = { manager, grid, days, all, approve, reject, count, list, msg };
    fill(section,
      h('h2', {}, t('queue_title')),
      h('div', { class: 'queue-filters' }, manager, grid,
        h('label', { class: 'queue-days' }, t('queue_older'), days, t('queue_days_unit'))),
      h('div', { class: 'queue-head' }, h('label', { class: 'toggle' }, all, t('queue_select_all')), count),
      list,
      h('div', { class: 'actions' }, approve, reject),
      msg);
  }

  /** Called with the account box (login, logout, claims, language). */
  function render() {
    const section = document.getElementById('queue');
    if (!section) return;
    if (!shown()) {
      section.hidden = true;
      if (q.els) { q.els = null; q.builtFor = null; q.claims = []; q.checked.clear(); q.managers.clear(); q.loadedFor = null; }
      section.replaceChildren();
      return;
    }
    section.hidden = false;
    const key = `${state.user.id}|${state.lang}`;
    if (q.builtFor !== key) { q.builtFor = key; build(section); renderList(); }
    if (q.loadedFor !== state.token) reload();
  }

  return { render, reload };
}
