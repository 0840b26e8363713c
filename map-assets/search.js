// Search: a grid code, else grids and cells by name, customers (company-wide
// roles) and an address through the server's geocoder.

const { maplibregl } = window;

// Map zoom for each precision of a geocoded address.
const PRECISION_ZOOM = { building: 17, compound: 17, road: 16, cell: 16, village: 14, town: 13, county: 11 };

/** ctx: { map, state, API, t, fetchJson, setStatus, panel, session } */
export function createSearch(ctx) {
  const { map, state, API, t } = ctx;
  const searchMarker = { marker: null };

  async function search(text) {
    const q = text.trim();
    if (!q) return;
    ctx.setStatus('');
    if (/^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/.test(q)) {
      try {
        const detail = await ctx.fetchJson(`${API}/grids/${encodeURIComponent(q.toUpperCase())}`);
        ctx.panel.select(detail.grid.code, detail.grid.level, null, true);
        return;
      } catch (err) {
        if (err.status !== 404) { ctx.setStatus(t('load_failed') + err.message, true); return; }
      }
    }
    // Grids and cells by name first (a manager types their own cell's name,
    // often after its divisions), then customers, then the address.
    let found;
    try {
      found = await ctx.fetchJson(`${API}/search?q=${encodeURIComponent(q)}`);
    } catch (err) {
      ctx.setStatus(t('search_none') + err.message, true);
      return;
    }
    const grid = found.grids[0];
    if (grid?.name_in_text) { showGridHit(grid, found.grids_tied); return; }
    if (state.token && await searchCustomer(q)) return;
    if (grid) { showGridHit(grid, found.grids_tied); return; }
    if (!state.token) { ctx.setStatus(t('search_login'), true); return; }
    showAddressHit(found.address, q);
  }

  // A grid or cell found by name: selected and shown whole.
  function showGridHit(grid, tied) {
    searchMarker.marker?.remove();
    ctx.panel.select(grid.code, grid.level, null, true);
    const what = t(grid.precision === 'cell' ? 'search_hit_cell' : 'search_hit_grid');
    ctx.setStatus(`${what}${grid.name}（${grid.code}）${tied ? t('search_hit_tied') : ''}`);
  }

  // An address: a pin at its precision; a cell selected when the address names
  // it or the point is as precise as a road or a building (a town's or
  // county's centre lies in some cell the address does not name).
  function showAddressHit(r, q) {
    if (!r || !Number.isFinite(r.lon) || !Number.isFinite(r.lat)) {
      ctx.setStatus(t(r?.outside_territory ? 'search_outside' : 'search_none') + (r?.reason || q), true);
      return;
    }
    searchMarker.marker?.remove();
    searchMarker.marker = new maplibregl.Marker({ className: 'search-pin' }).setLngLat([r.lon, r.lat]).addTo(map);
    map.flyTo({ center: [r.lon, r.lat], zoom: PRECISION_ZOOM[r.precision] || 15 });
    if (r.cell_code) ctx.panel.select(r.cell_code, 4, null, false);
    else ctx.panel.select(null);
    const precision = `${t('search_precision')}${t(`precision_${r.precision}`)}`;
    ctx.setStatus(`${r.name} · ${precision}${r.cell_code ? '' : ` · ${t('search_no_cell')}`}`, r.confidence < 0.5);
  }

  // A customer by code or name (company-wide roles); true when one was shown.
  async function searchCustomer(q) {
    if (!ctx.session.mayReadCompanyWide()) return false;
    let found;
    try {
      found = await ctx.fetchJson(`${API}/customers/search?q=${encodeURIComponent(q)}&limit=1`);
    } catch (err) {
      ctx.setStatus(t('search_customer_none') + err.message, true);
      return true;
    }
    const c = found.items[0];
    if (!c) return false;
    if (!Number.isFinite(c.lon) || !Number.isFinite(c.lat)) {
      ctx.setStatus(`${t('search_customer_unplaced')}${c.code} ${c.name}`, true);
      return true;
    }
    ctx.setStatus(`${c.code} ${c.name}${c.address ? ` · ${c.address}` : ''}`);
    searchMarker.marker?.remove();
    searchMarker.marker = new maplibregl.Marker({ color: '#7b3294' }).setLngLat([c.lon, c.lat]).addTo(map);
    map.flyTo({ center: [c.lon, c.lat], zoom: 16 });
    if (c.cell_code) ctx.panel.select(c.cell_code, 4, null, false);
    return true;
  }

  function bind() {
    document.getElementById('search').addEventListener('submit', (e) => {
      e.preventDefault();
      search(document.getElementById('search-input').value);
    });
  }

  return { search, bind };
}
