// Administrators and operations change the grid on the map: a cell's type,
// a cell cut along a drawn line and merged back, the coverage fixes
// previewed and applied. Each step is checked against the API.
// Run: BASE_URL=... SERVE_LOG=... node --test admin.test.mjs  (or ./run.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, TEST_TIMEOUT_MS, demoPassword, openMap, mapIdle, logIn, screenshot, useBrowser,
} from './helpers.mjs';

useBrowser();

async function api(path, token, init = {}) {
  const res = await fetch(`${BASE_URL}${path}`, {
    ...init,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** A screen point (page coordinates) inside the cell `code`, or null. */
function pointInCell(page, code) {
  return page.evaluate((wanted) => {
    const map = window.wanggeMap;
    const canvas = map.getCanvas();
    const rect = canvas.getBoundingClientRect();
    for (let fy = 0.1; fy < 0.95; fy += 0.04) {
      for (let fx = 0.05; fx < 0.95; fx += 0.03) {
        const x = rect.width * fx; const y = rect.height * fy;
        if (document.elementFromPoint(rect.left + x, rect.top + y) !== canvas) continue;
        const hit = map.queryRenderedFeatures([x, y], { layers: ['cells-fill'] })[0];
        if (hit?.properties.code === wanted) return { x: rect.left + x, y: rect.top + y };
      }
    }
    return null;
  }, code);
}

/** Shows the cell's bounding box in the free part of the map. */
async function frameCell(page, bbox) {
  await page.evaluate((b) => new Promise((resolve) => {
    const map = window.wanggeMap;
    const panel = document.getElementById('panel');
    map.once('moveend', resolve);
    map.fitBounds(b, { padding: { top: 120, bottom: 120, left: 120, right: panel.offsetWidth + 140 }, duration: 0 });
  }), bbox);
  await mapIdle(page);
}

test('administrator: set a cell type, cut a cell along a line and merge it back', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('admin');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const token = (await api('/api/v1/auth/login', null, { method: 'POST', body: JSON.stringify({ name: 'admin', password }) })).body.token;
  // A cell of some size near the middle of the territory: the largest of a level-3 grid's cells.
  const grids = await api('/api/v1/grids?level=3&limit=1');
  const l3 = grids.body.features[0].properties.code;
  const cells = (await api(`/api/v1/cells?parent=${encodeURIComponent(l3)}`)).body.features;
  cells.sort((a, b) => b.properties.area_m2 - a.properties.area_m2);
  const code = cells[0].properties.code;
  const before = (await api(`/api/v1/cells/${encodeURIComponent(code)}`)).body;
  const oldType = before.grid.cell_type;

  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  try {
    await logIn(page, 'admin', password);
    assert.equal(await page.locator('#admin').isVisible(), true, 'the import section shows for administrators');
    await frameCell(page, before.bbox);
    const inside = await pointInCell(page, code);
    assert.ok(inside, `cell ${code} is drawn`);
    await page.mouse.click(inside.x, inside.y);
    await page.locator('#edit-tools').waitFor({ timeout: 15_000 });

    // The type: another one from the list, saved, and the API agrees.
    const newType = oldType === '14' ? '18' : '14';
    await page.waitForFunction(() => document.querySelectorAll('#edit-type option').length === 20);
    await page.selectOption('#edit-type', newType);
    await page.click('#edit-type-save');
    await page.locator('#details .notice.ok', { hasText: '网元类型已保存' }).waitFor({ timeout: 15_000 });
    assert.equal((await api(`/api/v1/cells/${encodeURIComponent(code)}`)).body.grid.cell_type, newType);

    // Cut: a west-east line through the middle of the cell's box, from
    // outside the box on the west to outside it on the east.
    await page.click('#edit-split');
    const ends = await page.evaluate(({ b }) => {
      const map = window.wanggeMap;
      const rect = map.getCanvas().getBoundingClientRect();
      const lat = (b[1] + b[3]) / 2;
      const w = b[2] - b[0];
      return [[b[0] - w * 0.15, lat], [b[2] + w * 0.15, lat]]
        .map(([lon, la]) => { const p = map.project([lon, la]); return { x: rect.left + p.x, y: rect.top + p.y }; });
    }, { b: before.bbox });
    for (const p of ends) await page.mouse.click(p.x, p.y);
    await page.click('#edit-line-done');
    await page.locator('#edit-confirm').waitFor({ timeout: 15_000 });
    const previewed = await page.evaluate(() => window.wanggeEditDrawn ?? 0);
    assert.ok(previewed >= 2, 'the two pieces are drawn as a preview');
    await screenshot(page, 'admin-split-preview');
    assert.equal((await api(`/api/v1/cells/${encodeURIComponent(code)}-2`)).status, 404, 'a preview writes nothing');
    await page.click('#edit-confirm');
    await page.locator('#details .notice.ok', { hasText: `${code}-2` }).waitFor({ timeout: 30_000 });
    const piece = (await api(`/api/v1/cells/${encodeURIComponent(code)}-2`)).body;
    assert.equal(piece?.grid?.parent, l3, 'the new cell lies in the same level-3 grid');
    await mapIdle(page);
    await screenshot(page, 'admin-split-done');

    // Merge the new piece back: pick it on the map, preview, save.
    await page.click('#edit-merge');
    const inPiece = await pointInCell(page, `${code}-2`);
    assert.ok(inPiece, 'the new cell is drawn on the map (fresh tiles)');
    await page.mouse.click(inPiece.x, inPiece.y);
    await page.click('#edit-merge-preview');
    await page.locator('#edit-confirm').waitFor({ timeout: 15_000 });
    await page.click('#edit-confirm');
    await page.locator('#details .notice.ok', { hasText: '已合并' }).waitFor({ timeout: 30_000 });
    assert.equal((await api(`/api/v1/cells/${encodeURIComponent(code)}-2`)).status, 404, 'merged away');
    const after = (await api(`/api/v1/cells/${encodeURIComponent(code)}`)).body;
    assert.ok(Math.abs(after.grid.area_m2 - before.grid.area_m2) <= Math.max(2, before.grid.area_m2 * 1e-6),
      `the merged cell has its old area: ${after.grid.area_m2} vs ${before.grid.area_m2}`);

    // Import: the same cell again from a GeoJSON file, with a new name.
    const renamed = { type: 'FeatureCollection', features: [{ type: 'Feature',
      properties: { code, name: `${before.grid.name}（导入）`, type: oldType, parent: l3 }, geometry: after.geometry }] };
    await page.setInputFiles('#import-file', { name: 'cell.geojson', mimeType: 'application/geo+json',
      buffer: Buffer.from(JSON.stringify(renamed)) });
    await page.selectOption('#import-level', '4');
    await page.click('#import-submit');
    await page.locator('#import-status', { hasText: '更新 1' }).waitFor({ timeout: 30_000 });
    assert.equal((await api(`/api/v1/cells/${encodeURIComponent(code)}`)).body.grid.name, `${before.grid.name}（导入）`);
    // A broken file is refused with the feature named; nothing changes.
    await page.setInputFiles('#import-file', { name: 'bad.geojson', mimeType: 'application/geo+json',
      buffer: Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature',
        properties: { code: 'NEW-1', type: '15', parent: 'NO-SUCH-GRID' }, geometry: after.geometry }] })) });
    await page.click('#import-submit');
    await page.locator('#import-status.error', { hasText: 'NO-SUCH-GRID' }).waitFor({ timeout: 30_000 });
    assert.equal((await api('/api/v1/cells/NEW-1')).status, 404);
    await screenshot(page, 'admin-import');
    // The refused import answered 4xx on purpose: leave that out of the check.
    const unexpected = problems.filter((p) => !p.includes('/api/v1/grids/import'));
    assert.deepEqual(unexpected, [], unexpected.join('\n'));
  } finally {
    // Leave the demo as it was for the other tests.
    await api(`/api/v1/grids/${encodeURIComponent(code)}`, token, { method: 'PATCH', body: JSON.stringify({ name: before.grid.name }) });
    if ((await api(`/api/v1/cells/${encodeURIComponent(code)}-2`)).status === 200) {
      await api('/api/v1/cells/merge', token, { method: 'POST', body: JSON.stringify({ codes: [code, `${code}-2`] }) });
    }
    await api(`/api/v1/grids/${encodeURIComponent(code)}`, token, { method: 'PATCH', body: JSON.stringify({ cell_type: oldType }) });
    await context.close();
  }
});

test('operations: preview the coverage fixes on the map, then apply them', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('ops');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  try {
    await logIn(page, 'ops', password);
    assert.equal(await page.locator('#admin').isVisible(), false, 'no grid import for operations');
    await page.check('#coverage-toggle');
    await page.locator('#fix-box').waitFor({ state: 'visible', timeout: 30_000 });
    await page.selectOption('#fix-level', '4');
    await page.click('#fix-preview');
    await page.locator('#fix-summary').waitFor({ timeout: 60_000 });
    const rows = await page.locator('#fix-diff tbody tr').count();
    assert.ok(rows > 0, 'the preview lists what changes');
    const drawn = await page.evaluate(() => window.wanggeEditDrawn ?? 0);
    assert.ok(drawn > 0, 'before and after are drawn');
    await screenshot(page, 'ops-fix-preview');
    const gapsBefore = (await api('/api/v1/coverage?level=4&kind=gaps&limit=1')).body.summary.levels
      .find((l) => l.level === 4).gaps.count;
    await page.click('#fix-apply');
    await page.locator('#fix-done').waitFor({ timeout: 90_000 });
    const gapsAfter = (await api('/api/v1/coverage?level=4&kind=gaps&limit=1')).body.summary.levels
      .find((l) => l.level === 4).gaps.count;
    assert.ok(gapsAfter < gapsBefore, `the fixes closed gaps: ${gapsBefore} → ${gapsAfter}`);
    await mapIdle(page);
    await screenshot(page, 'ops-fix-applied');
    assert.deepEqual(problems, [], problems.join('\n'));
  } finally {
    await context.close();
  }
});
