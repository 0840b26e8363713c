// Coverage findings drawn from vector tiles (operations), and the polygon
// lasso of grid managers (Shift + mouse drag on a desktop, the lasso button
// and one finger on a phone). Run against a `wangge serve --demo` server:
//   BASE_URL=http://127.0.0.1:8080 SERVE_LOG=/tmp/serve.log node --test ops.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_TIMEOUT_MS, demoPassword, openMap, mapIdle, logIn, screenshot, useBrowser,
} from './helpers.mjs';

useBrowser();

test('operations: the coverage layer is drawn from /tiles/coverage/ and a listed gap zooms and highlights', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('ops');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  const tileRequests = [];
  const reportRequests = [];
  page.on('request', (req) => {
    const url = req.url();
    if (url.includes('/tiles/coverage/')) tileRequests.push(url);
    if (url.includes('/api/v1/coverage')) reportRequests.push(url);
  });
  try {
    await logIn(page, 'ops', password);
    await page.check('#coverage-toggle');
    await page.locator('#coverage-list li.gap button').first().waitFor({ timeout: 60_000 });
    await mapIdle(page);

    const drawn = await page.evaluate(() => {
      const map = window.wanggeMap;
      const hits = map.queryRenderedFeatures({ layers: ['coverage-fill', 'coverage-point'] });
      return {
        source: map.getSource('coverage')?.type,
        fills: hits.filter((f) => f.layer.id === 'coverage-fill').length,
        points: hits.filter((f) => f.layer.id === 'coverage-point').length,
        kinds: [...new Set(hits.map((f) => f.properties.kind))].sort(),
      };
    });
    assert.equal(drawn.source, 'vector', 'the coverage layer is a vector tile source');
    assert.ok(drawn.fills + drawn.points > 0, `coverage findings are drawn from the tiles: ${JSON.stringify(drawn)}`);
    assert.ok(drawn.kinds.includes('gap'), `gaps among the drawn findings: ${JSON.stringify(drawn)}`);
    assert.ok(tileRequests.length > 0, 'the map asked for /tiles/coverage/ tiles');
    assert.ok(tileRequests.every((u) => /\/tiles\/coverage\/\d+\/\d+\/\d+\.mvt\?rev=\d+$/.test(u)),
      `tile URLs carry the grid revision: ${tileRequests[0]}`);
    assert.ok(reportRequests.length > 0 && reportRequests.every((u) => !u.includes('format=geojson') && /limit=\d+/.test(u)),
      `the list reads a limited JSON report, not the whole GeoJSON: ${reportRequests.join(' ')}`);

    // The list holds the real gaps (no slivers) and the overlaps; the
    // summary counts every finding, as the API's summary does.
    const listedGaps = await page.locator('#coverage-list li.gap').count();
    const api = await page.evaluate(async () => (await fetch('api/v1/coverage?kind=gaps,overlaps&limit=1')).json());
    const gaps = api.summary.levels.reduce((n, l) => n + l.gaps.count, 0);
    const blindSpots = api.summary.levels.reduce((n, l) => n + l.blind_spots.count, 0);
    assert.equal(listedGaps, Math.min(blindSpots, 300), 'every real gap is listed, no sliver');
    assert.match(await page.locator('#coverage-summary').innerText(), new RegExp(`缺口 ${gaps.toLocaleString('zh-CN')} 处`));
    await screenshot(page, 'ops-coverage-tiles');

    // The first listed gap (the largest real gap): the map zooms to it and
    // outlines it, found in the tiles by its kind and item.
    const first = page.locator('#coverage-list li.gap button').first();
    const parent = await first.getAttribute('data-parent');
    const area = Number(await first.getAttribute('data-area'));
    const before = await page.evaluate(() => window.wanggeMap.getZoom());
    await first.click();
    await page.waitForFunction((z) => window.wanggeMap.getZoom() > z + 0.5, before, { timeout: 15_000 });
    await page.waitForTimeout(300);
    await mapIdle(page);
    const selected = await page.evaluate(() => window.wanggeMap.queryRenderedFeatures({ layers: ['coverage-selected'] })
      .map((f) => ({ kind: f.properties.kind, parent: f.properties.parent, area: f.properties.area_m2, sliver: f.properties.sliver })));
    assert.ok(selected.length > 0, 'the chosen gap is outlined');
    assert.ok(selected.every((f) => f.kind === 'gap' && f.parent === parent && f.area === area && f.sliver === false),
      `${parent} ${area}: ${JSON.stringify(selected)}`);
    await screenshot(page, 'ops-coverage-tiles-gap');

    // Off: nothing of the layer is drawn.
    await page.uncheck('#coverage-toggle');
    await mapIdle(page);
    assert.equal(await page.evaluate(() => window.wanggeMap.queryRenderedFeatures({ layers: ['coverage-fill', 'coverage-point'] }).length), 0);
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});

/** Finds a spot in the manager's scope where a round lasso of some radius
 * holds 2-8 unclaimed cells of the scope and no other cell, with every
 * cell centre well away from the lasso's edge, and at least one of them of
 * a type the manager may claim (a dry-run batch says which); brings it
 * into view and returns the lasso (page coordinates), the cells inside and
 * those the claim rules allow. */
async function lassoSpot(page) {
  return page.evaluate(async () => {
    const st = window.wanggeState;
    const map = window.wanggeMap;
    const auth = { headers: { Authorization: `Bearer ${st.token}` } };
    const ringOf = (g) => (g.type === 'Polygon' ? g.coordinates[0] : g.coordinates[0][0]);
    const centroid = (g) => {
      const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
      let a = 0; let x = 0; let y = 0;
      for (const ring of polygons.flat()) {
        for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
          const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
          a += f; x += (ring[j][0] + ring[i][0]) * f; y += (ring[j][1] + ring[i][1]) * f;
        }
      }
      return [x / (3 * a), y / (3 * a)];
    };
    const claimed = new Set((await (await fetch('api/v1/claims?status=pending,active&limit=10000', auth)).json()).claims.map((c) => c.cell));
    for (const scope of st.user.scopes || []) {
      const fc = await (await fetch(`api/v1/cells?parent=${encodeURIComponent(scope)}&limit=500`)).json();
      const mine = new Set(fc.features.map((f) => f.properties.code));
      const free = fc.features.filter((f) => !claimed.has(f.properties.code));
      for (const target of free.slice(0, 40)) {
        const ring = ringOf(target.geometry);
        const xs = ring.map((p) => p[0]); const ys = ring.map((p) => p[1]);
        map.jumpTo({ center: centroid(target.geometry), zoom: 15 });
        map.fitBounds([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
          { padding: { top: 260, bottom: 260, left: 300, right: 700 }, duration: 0, maxZoom: 16 });
        const b = map.getBounds();
        const around = await (await fetch(`api/v1/cells?bbox=${[b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(',')}&limit=2000`)).json();
        const centre = map.project(centroid(target.geometry));
        const cells = around.features.map((f) => {
          const p = map.project(centroid(f.geometry));
          return { code: f.properties.code, d: Math.hypot(p.x - centre.x, p.y - centre.y) };
        });
        for (const radius of [70, 90, 110, 130, 160, 190]) {
          const inside = cells.filter((c) => c.d < radius);
          const nearEdge = cells.some((c) => Math.abs(c.d - radius) < 12);
          if (nearEdge || inside.length < 2 || inside.length > 8) continue;
          if (!inside.every((c) => mine.has(c.code) && !claimed.has(c.code))) continue;
          const codes = inside.map((c) => c.code).sort();
          const dry = await (await fetch('api/v1/claims/batch', { method: 'POST',
            headers: { ...auth.headers, 'Content-Type': 'application/json' },
            body: JSON.stringify({ cells: codes, action: 'claim', dry_run: true }) })).json();
          const refused = new Set((dry.refusals || []).map((r) => r.cell));
          const allowed = codes.filter((c) => !refused.has(c));
          if (!allowed.length) continue;
          const rect = map.getCanvas().getBoundingClientRect();
          return { x: centre.x + rect.left, y: centre.y + rect.top, radius, codes, allowed };
        }
      }
    }
    return null;
  });
}

/** Page points of a slightly irregular loop (a free hand is not a circle). */
function loop(spot, n = 24) {
  return Array.from({ length: n + 1 }, (_, i) => {
    const a = (2 * Math.PI * i) / n;
    const r = spot.radius * (1 + 0.04 * Math.sin(3 * a));
    return { x: spot.x + r * Math.cos(a), y: spot.y + r * Math.sin(a) };
  });
}

async function releaseAll(page, codes) {
  return page.evaluate(async (cells) => {
    const res = await fetch('api/v1/claims/batch', { method: 'POST',
      headers: { Authorization: `Bearer ${window.wanggeState.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ cells, action: 'release' }) });
    return res.status;
  }, codes);
}

test('grid manager: Shift + drag draws a lasso, the cells inside are listed and claimed at once', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('zhengqi');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  let claimedCodes = [];
  try {
    await logIn(page, 'zhengqi', password);
    assert.match(await page.locator('#account-body').innerText(), /按住 Shift 拖动鼠标圈出/, 'the hint tells how to lasso');
    assert.ok(await page.locator('#lasso-toggle').isVisible(), 'a grid manager has the lasso button');
    const spot = await lassoSpot(page);
    assert.ok(spot, 'a spot with a few unclaimed cells of the manager');
    await mapIdle(page);
    const centre = await page.evaluate(() => window.wanggeMap.getCenter().toArray());

    const points = loop(spot);
    await page.keyboard.down('Shift');
    await page.mouse.move(points[0].x, points[0].y);
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(p.x, p.y, { steps: 3 });
    // Mid-drag: the lasso is drawn live.
    const live = await page.evaluate(() => window.wanggeMap.querySourceFeatures('lasso').length);
    await page.mouse.up();
    await page.keyboard.up('Shift');
    assert.ok(live > 0, 'the lasso line is drawn while dragging');

    await page.locator('#lasso-list').waitFor({ timeout: 10_000 });
    const listed = (await page.locator('#lasso-list li[data-code]').evaluateAll((els) => els.map((e) => e.dataset.code))).sort();
    assert.deepEqual(listed, spot.codes, 'the confirm list holds exactly the cells whose centre is inside');
    assert.match(await page.locator('#lasso-count').innerText(), new RegExp(`圈内有 ${spot.codes.length} 个网元`));
    const after = await page.evaluate(() => window.wanggeMap.getCenter().toArray());
    assert.deepEqual(after, centre, 'drawing the lasso did not pan the map');
    assert.equal(await page.locator('#details .grid-code').count(), 0, 'the click ending the drag selected no cell');
    await mapIdle(page);
    await screenshot(page, 'manager-lasso-drawn');

    await page.click('#claim-all');
    if (spot.allowed.length < spot.codes.length) {
      // All or nothing: refused, with the reasons; the rest can be claimed.
      await page.locator('#details-body .error.notice').waitFor({ timeout: 15_000 });
      assert.match(await page.locator('#details-body .error.notice').innerText(), /被拒绝/);
      await screenshot(page, 'manager-lasso-refused');
      assert.match(await page.locator('#claim-rest').innerText(), new RegExp(`认领其余 ${spot.allowed.length} 个`));
      await page.click('#claim-rest');
      const rest = (await page.locator('#lasso-list li[data-code]').evaluateAll((els) => els.map((e) => e.dataset.code))).sort();
      assert.deepEqual(rest, spot.allowed, 'the list now holds the cells the rules allow');
      await page.click('#claim-all');
    }
    await page.locator('#details-body .ok.notice').waitFor({ timeout: 15_000 });
    claimedCodes = spot.allowed;
    const api = await page.evaluate(async () => {
      const r = await fetch('api/v1/claims?status=pending,active&limit=10000', {
        headers: { Authorization: `Bearer ${window.wanggeState.token}` } });
      return (await r.json()).claims.map((c) => ({ cell: c.cell, manager: c.manager?.name, status: c.status }));
    });
    for (const code of spot.allowed) {
      const open = api.filter((c) => c.cell === code);
      assert.equal(open.length, 1, `one open claim on ${code}`);
      assert.equal(open[0].manager, 'zhengqi', `${code} is claimed by zhengqi`);
    }
    await mapIdle(page);
    const states = await page.evaluate((codes) => codes.map((code) => window.wanggeMap.getFeatureState(
      { source: 'cells', sourceLayer: 'cells', id: code }).claim), spot.allowed);
    assert.ok(states.every((s) => s === 'mine' || s === 'pending'), `the claimed cells are drawn as the manager's: ${states}`);
    assert.equal(await page.evaluate(() => window.wanggeMap.querySourceFeatures('lasso').length), 0, 'the lasso is cleared after the claim');
    await screenshot(page, 'manager-lasso-claimed');

    assert.equal(await releaseAll(page, claimedCodes), 200, 'the cells are released again');
    claimedCodes = [];
    // The refused batches (the dry run above, the first claim) answer 403 on purpose.
    const expected = (p) => p.includes('/api/v1/claims/batch') && p.includes('403');
    assert.deepEqual(problems.filter((p) => !expected(p)), [], 'no console errors, page errors or failed requests');
  } finally {
    if (claimedCodes.length) await releaseAll(page, claimedCodes).catch(() => {});
    await context.close();
  }
});

test('grid manager on a phone: the lasso button, one finger draws instead of panning', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('zhengqi');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  try {
    await page.click('#panel-toggle');
    await logIn(page, 'zhengqi', password);
    await page.click('#panel-toggle');
    // A cell of the manager's scope in the middle of the screen.
    const target = await page.evaluate(async () => {
      const st = window.wanggeState;
      const fc = await (await fetch(`api/v1/cells?parent=${encodeURIComponent(st.user.scopes[0])}&limit=50`)).json();
      const f = fc.features.find((x) => !st.claims.has(x.properties.code)) || fc.features[0];
      const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
      const lon = ring.reduce((s, p) => s + p[0], 0) / ring.length;
      const lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
      window.wanggeMap.jumpTo({ center: [lon, lat], zoom: 14 });
      return f.properties.code;
    });
    assert.ok(target);
    await mapIdle(page);
    const centre = await page.evaluate(() => window.wanggeMap.getCenter().toArray());
    await page.locator('#lasso-toggle').tap();
    assert.equal(await page.locator('#lasso-toggle').getAttribute('aria-pressed'), 'true');

    // One finger around the middle of the map (CDP touch events: Chromium
    // turns them into pointer and touch events as a real screen does).
    const box = await page.locator('#map').boundingBox();
    const spot = { x: box.x + box.width / 2, y: box.y + box.height * 0.4, radius: 90 };
    const cdp = await context.newCDPSession(page);
    const points = loop(spot, 20);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: points[0].x, y: points[0].y, id: 1 }] });
    for (const p of points.slice(1)) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: p.x, y: p.y, id: 1 }] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });

    await page.locator('#lasso-count').waitFor({ timeout: 10_000 });
    const after = await page.evaluate(() => window.wanggeMap.getCenter().toArray());
    assert.deepEqual(after, centre, 'one finger drew the lasso; the map did not pan');
    const listed = await page.locator('#lasso-list li[data-code]').count();
    assert.ok(listed > 0, 'cells inside the finger-drawn lasso are listed');
    assert.ok(await page.locator('#panel').evaluate((el) => !el.classList.contains('collapsed')), 'the panel opens with the list');
    await screenshot(page, 'phone-lasso');

    // Lasso mode off: one finger pans again.
    await page.click('#panel-toggle');
    await page.locator('#lasso-toggle').tap();
    assert.equal(await page.locator('#lasso-toggle').getAttribute('aria-pressed'), 'false');
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: spot.x, y: spot.y, id: 2 }] });
    for (let i = 1; i <= 10; i += 1) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: spot.x + 8 * i, y: spot.y, id: 2 }] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await mapIdle(page);
    const panned = await page.evaluate(() => window.wanggeMap.getCenter().toArray());
    assert.notDeepEqual(panned, centre, 'without lasso mode one finger pans the map');
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});
