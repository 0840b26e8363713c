// The side panel (a bottom sheet on phones): opening and closing it, the
// stats with the level toggles and the legend, and the details of the
// selected grid or cell.

import { CATEGORIES } from './i18n.js';
import { bboxOf } from './util.js';

const PHONE_QUERY = '(max-width: 700px)';

/** ctx: { map, state, API, h, t, fill, fmtInt, fmtArea, fetchJson, layers, claims, admin } */
export function createPanel(ctx) {
  const { map, state, API, h, t, fill, fmtInt, fmtArea } = ctx;

  // ---------- texts of the grid data ----------

  function levelName(level) {
    return t(`level_${Number(level)}`);
  }

  function categoryName(cat) {
    return cat ? t(`cat_${cat}`) : '–';
  }

  function typeName(code, feature) {
    const known = state.typeNames.get(String(code));
    if (known) return state.lang === 'en' ? known.en : known.zh;
    const p = feature?.properties;
    if (p) return state.lang === 'en' ? p.type_name_en : p.type_name_zh;
    return '';
  }

  // ---------- open / closed ----------

  function isPhone() {
    return window.matchMedia(PHONE_QUERY).matches;
  }

  function setPanelOpen(open) {
    document.getElementById('panel').classList.toggle('collapsed', !open);
    updatePanelToggle();
    ctx.layers.updateLabels();
  }

  function updatePanelToggle() {
    const panel = document.getElementById('panel');
    const btn = document.getElementById('panel-toggle');
    const open = !panel.classList.contains('collapsed');
    btn.setAttribute('aria-expanded', String(open));
    btn.setAttribute('aria-label', t(open ? 'panel_collapse' : 'panel_expand'));
    btn.title = t(open ? 'panel_collapse' : 'panel_expand');
  }

  /** Padding for fitBounds: what the panel covers stays out. */
  function fitPadding() {
    if (isPhone()) return { top: 20, bottom: 70, left: 20, right: 20 };
    const panel = document.getElementById('panel');
    const open = !panel.classList.contains('collapsed');
    return { top: 30, bottom: 30, left: 30, right: open ? panel.offsetWidth + 40 : 30 };
  }

  function zoomTo(geometry) {
    const b = bboxOf([{ geometry }]);
    if (b) map.fitBounds(b, { padding: fitPadding(), maxZoom: 16 });
  }

  function bind() {
    document.getElementById('panel-toggle').addEventListener('click', () => {
      setPanelOpen(document.getElementById('panel').classList.contains('collapsed'));
    });
  }

  // ---------- stats ----------

  async function loadStats() {
    try {
      state.stats = await ctx.fetchJson(`${API}/stats`);
      for (const ty of state.stats.by_type || []) {
        state.typeNames.set(String(ty.code), { zh: ty.name_zh, en: ty.name_en });
      }
    } catch (err) {
      state.stats = { error: err.message };
    }
    renderStats();
  }

  function renderStats() {
    const s = state.stats;
    const levelsEl = document.getElementById('level-rows');
    const catsEl = document.getElementById('category-rows');
    const overviewEl = document.getElementById('overview-rows');
    const typesEl = document.getElementById('type-rows');
    const territoryEl = document.getElementById('territory');
    territoryEl.textContent = typeof s?.territory === 'string' ? s.territory
      : s?.territory?.name ?? '';
    const byLevel = (s?.by_level || []).map((v) => (typeof v === 'object' && v ? v.count ?? v.grids ?? v.cells : v));

    levelsEl.replaceChildren(...[1, 2, 3, 4].map((level) => h('li', { class: 'row' },
      h('label', { class: 'toggle' },
        h('input', { type: 'checkbox', 'data-level': level, checked: state.visible[level],
          onchange: (e) => { state.visible[level] = e.target.checked; ctx.layers.applyVisibility(); } }),
        h('span', { class: `swatch-line l${level}` }),
        h('span', { class: 'name' }, levelName(level))),
      h('span', { class: 'count', 'data-stat': `level-${level}` }, fmtInt(byLevel[level - 1])))));

    const byCat = new Map((s?.by_category || []).map((c) => [c.category, c.cells]));
    catsEl.replaceChildren(
      ...CATEGORIES.map((c) => h('li', { class: 'row' },
        h('span', { class: 'legend-key' },
          h('span', { class: 'swatch', style: `background:${c.color}` }),
          h('span', { class: 'name' }, categoryName(c.key))),
        h('span', { class: 'count', 'data-stat': `category-${c.key}` }, fmtInt(byCat.get(c.key))))),
      h('li', { class: 'row' },
        h('span', { class: 'legend-key' },
          h('span', { class: 'swatch hatch' }),
          h('span', { class: 'name' }, t('invalid_geometry'))),
        h('span', { class: 'count', 'data-stat': 'invalid' }, fmtInt(s?.invalid_geometries))),
    );

    overviewEl.replaceChildren(...[
      ['outlets', s?.outlets],
      ['level3_without_outlet', s?.level3_without_outlet],
      ['users', s?.users],
    ].map(([key, v]) => h('li', { class: 'row' }, h('span', { class: 'name' }, t(key)),
      h('span', { class: 'count', 'data-stat': key }, fmtInt(v)))));

    typesEl.replaceChildren(...(s?.by_type || []).map((ty) => h('li', { class: 'row' },
      h('span', { class: 'legend-key' },
        h('span', { class: 'swatch small', style: `background:${CATEGORIES.find((c) => c.key === ty.category)?.color || '#ccc'}` }),
        h('span', { class: 'name' }, `${ty.code} ${state.lang === 'en' ? ty.name_en : ty.name_zh}`)),
      h('span', { class: 'count' }, fmtInt(ty.cells)))));

    document.getElementById('stats-error').textContent = s?.error ? t('load_failed') + s.error : '';
  }

  // ---------- the selected grid or cell ----------

  function renderDetails() {
    const el = document.getElementById('details-body');
    const section = document.getElementById('details');
    const sel = state.selected;
    section.classList.toggle('has-selection', Boolean(sel));
    if (!sel) {
      el.replaceChildren(h('p', { class: 'hint' }, t('details_hint')));
      return;
    }
    if (sel.error) {
      el.replaceChildren(h('p', { class: 'error' }, `${sel.code}: ${sel.error}`));
      return;
    }
    if (!sel.detail) {
      el.replaceChildren(h('p', { class: 'hint' }, `${sel.code} …`));
      return;
    }
    const { grid, chain = [], child_counts: childCounts = {} } = sel.detail;
    const level = Number(grid.level);
    const rows = [
      [t('code'), h('code', { class: 'grid-code' }, grid.code)],
      [t('level'), level === 4 ? t('level_4_one') : levelName(level)],
    ];
    if (grid.cell_type) rows.push([t('type'), `${grid.cell_type} ${typeName(grid.cell_type, sel.feature)}`]);
    if (grid.category) {
      const color = CATEGORIES.find((c) => c.key === grid.category)?.color || '#ccc';
      rows.push([t('category'), h('span', { class: 'legend-key' },
        h('span', { class: 'swatch small', style: `background:${color}` }), categoryName(grid.category))]);
    }
    rows.push([t('area'), fmtArea(grid.area_m2)]);
    rows.push([t('geometry'), grid.valid === false
      ? h('span', { class: 'bad' }, `${t('invalid')}${grid.invalid_reason ? `：${grid.invalid_reason}` : ''}`)
      : t('valid')]);
    if (level === 3) {
      const outlet = typeof grid.outlet === 'object' && grid.outlet ? grid.outlet.name || grid.outlet.code : grid.outlet;
      rows.push([t('outlet'), outlet || h('span', { class: 'bad' }, t('no_outlet'))]);
    }
    if (chain.length) {
      const items = [...chain].reverse().map((a) => h('button', { type: 'button', class: 'link',
        title: `${levelName(a.level)} ${a.code}`, onclick: () => select(a.code, a.level, null, true) }, a.name || a.code));
      const trail = h('span', { class: 'chain' });
      items.forEach((item, i) => { if (i) trail.append(' › '); trail.append(item); });
      rows.push([t('chain'), trail]);
    }
    const kids = Object.entries(childCounts)
      .filter(([l]) => Number(l) > level)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([l, n]) => `${levelName(l)} ${fmtInt(n)}`);
    if (kids.length) rows.push([t('children'), kids.join(' · ')]);

    fill(el,
      h('div', { class: 'details-head' },
        h('h3', { class: 'details-name' }, grid.name || grid.code),
        h('button', { type: 'button', class: 'icon', 'aria-label': t('close'), title: t('close'),
          onclick: () => select(null) }, '×')),
      h('dl', {}, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      level === 4 ? ctx.claims.claimBlock(grid.code, sel) : null,
      ctx.admin?.detailsBlock(sel),
      state.notice ? h('p', { class: state.notice.isError ? 'error notice' : 'ok notice' }, state.notice.text) : null,
    );
  }

  async function select(code, level, feature, zoomTo = false) {
    state.selectSeq += 1;
    const seq = state.selectSeq;
    if (!code) {
      state.selected = null;
      ctx.layers.setSelectedHighlight(null, null);
      renderDetails();
      return;
    }
    state.selected = { code, feature };
    ctx.layers.setSelectedHighlight(code, level);
    state.notice = null;
    renderDetails();
    if (isPhone()) setPanelOpen(true);
    try {
      const detail = await ctx.fetchJson(`${API}/grids/${encodeURIComponent(code)}`);
      if (seq !== state.selectSeq) return;
      state.selected = { code, feature, detail };
      const b = detail.bbox || bboxOf([{ geometry: detail.geometry }]);
      if (zoomTo && b) map.fitBounds(b, { padding: fitPadding(), maxZoom: 15 });
      if (Number(detail.grid?.level) === 4 && state.token) ctx.claims.loadCellExtras(code, seq);
    } catch (err) {
      if (seq !== state.selectSeq) return;
      state.selected = { code, feature, error: err.status === 404 ? t('not_found') : err.message };
    }
    renderDetails();
  }

  return { isPhone, setPanelOpen, updatePanelToggle, fitPadding, zoomTo, bind, loadStats, renderStats,
    renderDetails, select };
}
