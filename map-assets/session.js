// The logged-in user: login, logout, a session kept across reloads, the
// account box (fill mode, my cells), and what the user may do.
//
// Permissions are read only from `/api/v1/me` (state.user): its `may` map
// gives, per action of the server's policy, 'yes', 'own' (own claims or
// jobs), 'in_scope' (a supervisor, in their scope) or 'no'. The server
// decides every request; the page only leaves out what would be refused.

import { CLAIM_COLORS } from './i18n.js';

/** ctx: { state, API, h, t, fill, fmtInt, fetchJson, postJson, api, layers, claims, panel,
 * geocode, coverage, admin } */
export function createSession(ctx) {
  const { state, API, h, t, fill, fmtInt } = ctx;

  // ---------- what the user may do (/api/v1/me) ----------

  /** /me's answer for an action; 'no' when logged out. */
  function may(action) {
    return state.user?.may?.[action] ?? 'no';
  }

  /** Customers company-wide (the H3 heat map, customer search): the
   * server's read_unplaced action, which only company-wide roles have. */
  function mayReadCompanyWide() {
    return may('read_unplaced') === 'yes';
  }

  /** Claims cells (grid managers): the claim fill, my cells, the lasso. */
  function mayClaim() {
    return may('claim') === 'yes';
  }

  /** Bulk geocoding: a clerk their own jobs, operations and administrators all. */
  function mayGeocode() {
    return may('bulk_geocode') !== 'no';
  }

  /** A cell's customers and resources (read_cell_data): company-wide roles,
   * a cell in the user's scope, or a claimant's own (pending or active) claim. */
  function mayReadCell(code, chain) {
    if (!state.user || may('read_cell_data') === 'no') return false;
    if (mayReadCompanyWide()) return true;
    const scopes = new Set(state.user.scopes || []);
    if (scopes.has(code) || (chain || []).some((a) => scopes.has(a.code))) return true;
    return mayClaim() && state.claims.get(code)?.manager?.id === state.user.id;
  }

  // ---------- login ----------

  async function restoreSession() {
    ctx.api.restoreToken();
    if (state.token) {
      try {
        state.user = await ctx.fetchJson(`${API}/me`);
      } catch {
        state.token = null;
        state.user = null;
      }
    }
    if (mayClaim()) ctx.layers.setFillMode('claims');
    await ctx.claims.loadClaims();
  }

  async function login(name, password) {
    const r = await ctx.postJson(`${API}/auth/login`, { name, password });
    state.sessionLost = false;
    ctx.api.setToken(r.token);
    state.user = await ctx.fetchJson(`${API}/me`);
    ctx.layers.setFillMode(mayClaim() ? 'claims' : state.fillMode);
    await ctx.claims.loadClaims();
    ctx.panel.renderDetails();
  }

  /** The server no longer knows the token (revoked, expired, user
   * disabled): drop it and show the login form, keeping the view. */
  function sessionLost() {
    if (!state.token) return;
    ctx.api.setToken(null);
    state.user = null;
    state.sessionLost = true; // said above the login form
    ctx.claims.loadClaims().catch(() => {});
    renderAccount();
    ctx.panel.renderDetails();
  }

  async function logout() {
    try { await ctx.postJson(`${API}/auth/logout`, {}); } catch { /* the token is dropped anyway */ }
    ctx.api.setToken(null);
    state.user = null;
    await ctx.claims.loadClaims();
    ctx.panel.renderDetails();
  }

  // ---------- the account box; everything that depends on the user ----------

  function renderAccount() {
    const el = document.getElementById('account-body');
    if (!el) return;
    ctx.admin?.render();
    ctx.geocode.render();
    ctx.coverage.renderOpsAccess();
    ctx.queue?.render();
    ctx.claims.updateLassoControl();
    const modes = h('div', { class: 'fill-mode', role: 'radiogroup' },
      h('span', { class: 'name' }, t('fill_by')),
      ...['category', 'claims'].map((m) => h('label', {},
        h('input', { type: 'radio', name: 'fill-mode', value: m, checked: state.fillMode === m,
          onchange: () => ctx.layers.setFillMode(m) }), t(`fill_${m}`))));
    const legend = state.fillMode === 'claims' ? h('ul', { class: 'rows claim-legend' },
      CLAIM_COLORS.map((c) => h('li', { class: 'row' }, h('span', { class: 'legend-key' },
        h('span', { class: 'swatch', style: `background:${c.color}` }), h('span', { class: 'name' }, t(`claim_${c.key}`)))))) : null;
    if (!state.user) {
      const err = h('p', { class: 'error', id: 'login-error' }, state.sessionLost ? t('session_lost') : '');
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
    const { claimKind } = ctx.claims;
    const mine = [...state.claims.values()].filter((c) => claimKind(c) === 'mine' || (c.status === 'pending' && c.manager?.id === state.user.id));
    fill(el,
      h('div', { class: 'who' }, h('strong', { id: 'user-name' }, state.user.name), ` · ${t(`role_${state.user.role}`)}`,
        h('button', { type: 'button', class: 'link', id: 'logout', onclick: logout }, t('logout'))),
      modes, legend,
      mayClaim() || mine.length ? h('details', { class: 'my-cells', open: mine.length > 0 && mine.length <= 12 },
        h('summary', {}, `${t('my_cells')} (${fmtInt(mine.length)})`),
        h('ul', {}, mine.slice(0, 200).map((c) => h('li', {}, h('button', { type: 'button', class: 'link',
          onclick: () => ctx.panel.select(c.cell, 4, null, true) }, `${c.cell} ${c.cell_name || ''}`))))) : null,
      mayClaim() ? h('p', { class: 'hint' }, t('lasso_hint')) : null,
    );
  }

  return { may, mayReadCompanyWide, mayClaim, mayGeocode, mayReadCell, restoreSession, login, logout,
    sessionLost, renderAccount };
}
