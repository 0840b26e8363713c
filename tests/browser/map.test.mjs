// Headless-Chromium tests of the map page served by `wangge serve --demo`.
// Run: BASE_URL=http://127.0.0.1:8080 node --test *.test.mjs  (or ./run.sh)
// Screenshots go to tests/browser/artifacts/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  BASE_URL, TEST_TIMEOUT_MS, DEMO_CELLS, demoPassword, openMap, mapIdle, renderedCount,
  findCellPoint, logIn, screenshot, useBrowser, cellPoint,
} from './helpers.mjs';

useBrowser();

test('desktop 1366x768: grid drawn, stats, cell details, English switch', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  try {
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN', 'Chinese is the default');

    const cells = await renderedCount(page, 'cells-fill');
    assert.ok(cells > 100, `expected more than 100 rendered cells, got ${cells}`);
    const level1 = await renderedCount(page, 'grids-line-1');
    assert.ok(level1 > 0, 'level-1 borders are drawn');

    const stats = await page.locator('#stats').innerText();
    assert.match(stats, DEMO_CELLS, `stats panel shows the cell total; it shows:\n${stats}`);
    assert.ok(await page.locator('.lbl-l1').count() > 0, 'level-1 names are labelled');
    await screenshot(page, 'desktop-zh');

    const target = await findCellPoint(page);
    assert.ok(target, 'a cell is clickable somewhere on the map');
    await page.mouse.click(target.x, target.y);
    const code = page.locator('#details .grid-code');
    await code.waitFor({ timeout: 15_000 });
    const shown = (await code.innerText()).trim();
    assert.match(shown, /^SY-/, 'the detail panel shows a grid code');
    assert.equal(shown, target.code, 'the details are those of the clicked cell');
    const details = await page.locator('#details').innerText();
    assert.match(details, /网元/, 'the clicked feature is shown as a cell');
    await screenshot(page, 'desktop-details-zh');

    const levelLabel = page.locator('#level-rows li').first().locator('.name');
    assert.equal((await levelLabel.innerText()).trim(), '一级网格');
    await page.click('#lang');
    assert.equal((await levelLabel.innerText()).trim(), 'Level 1', 'the level toggle label is translated');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.match(await page.locator('#details').innerText(), /Code/, 'details are re-rendered in English');
    assert.match(await page.locator('#stats').innerText(), DEMO_CELLS);
    await screenshot(page, 'desktop-en');

    // Cells off: they vanish, and the same click now finds the level-3 grid.
    await page.locator('#level-rows input[data-level="4"]').uncheck();
    await mapIdle(page);
    assert.equal(await renderedCount(page, 'cells-fill'), 0, 'the cells toggle hides the cells');
    await page.mouse.click(target.x, target.y);
    const parentCode = target.code.replace(/-[^-]+$/, '');
    await page.waitForFunction((want) => document.querySelector('#details .grid-code')?.textContent === want,
      parentCode, { timeout: 15_000 });
    assert.match(await page.locator('#details').innerText(), /Level 3/);
    await page.locator('#level-rows input[data-level="4"]').check();
    await mapIdle(page);
    assert.ok(await renderedCount(page, 'cells-fill') > 100, 'the cells come back');

    // Mid zoom around the clicked cell: level-2 names replace level-1 names.
    await page.evaluate(({ x, y }) => {
      const map = window.wanggeMap;
      const rect = map.getCanvas().getBoundingClientRect();
      map.jumpTo({ center: map.unproject([x - rect.left, y - rect.top]), zoom: 10.5 });
    }, target);
    await mapIdle(page);
    assert.ok(await page.locator('.lbl-l2').count() > 0, 'level-2 names are labelled at mid zoom');
    assert.equal(await page.locator('.lbl-l1').count(), 0, 'level-1 names give way at mid zoom');
    await screenshot(page, 'desktop-mid-en');

    // Close in where cells are small (a town centre): cell names appear.
    await page.evaluate(() => {
      const map = window.wanggeMap;
      map.jumpTo({ center: map.getCenter(), zoom: 8 });
    });
    await mapIdle(page);
    await page.evaluate(() => {
      const map = window.wanggeMap;
      const cells = map.queryRenderedFeatures({ layers: ['cells-fill'] })
        .filter((f) => Number(f.properties.area_m2) > 0)
        .sort((a, b) => a.properties.area_m2 - b.properties.area_m2);
      const small = cells[Math.floor(cells.length * 0.05)];
      const ring = small.geometry.type === 'Polygon' ? small.geometry.coordinates[0] : small.geometry.coordinates[0][0];
      const lon = ring.reduce((s, p) => s + p[0], 0) / ring.length;
      const lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
      map.jumpTo({ center: [lon, lat], zoom: 14 });
    });
    await mapIdle(page);
    await page.waitForTimeout(700); // the debounced cells reload (300 ms) may follow
    await mapIdle(page);
    assert.ok(await renderedCount(page, 'cells-fill') > 0, 'cells are drawn when zoomed in');
    assert.ok(await page.locator('.lbl-cell').count() > 0, 'cell names are labelled when zoomed in');
    await screenshot(page, 'desktop-zoomed-en');

    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});

test('phone 390x844: map drawn, panel collapsed and opens', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { context, page, problems } = await openMap({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  try {
    const cells = await renderedCount(page, 'cells-fill');
    assert.ok(cells > 100, `expected more than 100 rendered cells, got ${cells}`);
    assert.ok(await page.locator('#panel').evaluate((el) => el.classList.contains('collapsed')),
      'the panel starts collapsed on a phone');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no horizontal overflow (scrollWidth ${width})`);
    await screenshot(page, 'phone');

    await page.click('#panel-toggle');
    const stats = page.locator('#stats');
    await stats.waitFor({ state: 'visible' });
    assert.match(await stats.innerText(), DEMO_CELLS);
    const box = await page.locator('#panel').boundingBox();
    assert.ok(box && box.width <= 390 && box.height <= 844 * 0.61, `the open panel fits the screen: ${JSON.stringify(box)}`);
    await screenshot(page, 'phone-panel');

    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});

test('grid manager: log in, claim a cell, it changes colour, the API agrees', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('zhengqi');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  try {
    await page.fill('#login-form input[name=name]', 'zhengqi');
    await page.fill('#login-form input[name=password]', password);
    await page.click('#login-form button[type=submit]');
    await page.locator('#user-name').waitFor({ timeout: 15_000 });
    assert.equal(await page.evaluate(() => window.wanggeState.fillMode), 'claims', 'a manager sees claim colours');

    // An unclaimed cell of the manager's scope, brought into view.
    const target = await page.evaluate(async () => {
      const st = window.wanggeState;
      for (const scope of st.user.scopes || []) {
        const fc = await (await fetch(`api/v1/cells?parent=${encodeURIComponent(scope)}&limit=200`)).json();
        const f = fc.features.find((x) => !st.claims.has(x.properties.code));
        if (f) {
          const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
          const xs = ring.map((p) => p[0]); const ys = ring.map((p) => p[1]);
          return { code: f.properties.code, bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] };
        }
      }
      return null;
    });
    assert.ok(target, 'the manager has an unclaimed cell in scope');
    await page.evaluate((b) => window.wanggeMap.fitBounds(b, { padding: { top: 150, bottom: 150, left: 150, right: 500 }, duration: 0 }), target.bbox);
    await mapIdle(page);
    const point = await cellPoint(page, target.code);
    assert.ok(point, `cell ${target.code} is drawn and clickable`);
    const colourAt = () => page.evaluate(({ x, y }) => {
      const map = window.wanggeMap;
      const rect = map.getCanvas().getBoundingClientRect();
      const hit = map.queryRenderedFeatures([x - rect.left, y - rect.top], { layers: ['cells-fill'] })[0];
      return { code: hit?.properties.code, state: hit?.state?.claim ?? 'none', colour: JSON.stringify(hit?.layer?.paint?.['fill-color'] ?? null) };
    }, point);
    const before = await colourAt();
    assert.equal(before.code, target.code);
    assert.equal(before.state, 'none');

    await page.mouse.click(point.x, point.y);
    await page.waitForFunction((code) => document.querySelector('#details .grid-code')?.textContent === code, target.code, { timeout: 15_000 });
    await page.locator('#claim-btn').waitFor({ timeout: 15_000 });
    await screenshot(page, 'manager-before-claim');
    await page.click('#claim-btn');
    await page.waitForFunction(() => ['mine', 'pending'].includes(document.querySelector('#details [data-claim]')?.dataset.claim), null, { timeout: 15_000 });
    const shown = await page.locator('#details [data-claim]').getAttribute('data-claim');
    await mapIdle(page);
    const after = await colourAt();
    assert.equal(after.state, shown, 'the drawn cell carries its new claim state');
    assert.notEqual(after.colour, before.colour, `the cell is drawn in another colour (${before.colour} -> ${after.colour})`);
    await screenshot(page, 'manager-after-claim');

    const api = await page.evaluate(async (code) => {
      const res = await fetch(`api/v1/claims?grid=${encodeURIComponent(code)}&status=pending,active`, {
        headers: { Authorization: `Bearer ${window.wanggeState.token}` } });
      return res.json();
    }, target.code);
    const open = api.claims.filter((c) => c.cell === target.code);
    assert.equal(open.length, 1, `one open claim on ${target.code}: ${JSON.stringify(api)}`);
    assert.equal(open[0].manager.name, 'zhengqi');
    assert.equal(open[0].status === 'pending' ? 'pending' : 'mine', shown, 'the API agrees with the map');

    // Release it again: the map and the API go back to unclaimed.
    await page.click('#release-btn');
    await page.waitForFunction(() => document.querySelector('#details [data-claim]')?.dataset.claim === 'none', null, { timeout: 15_000 });
    assert.equal((await colourAt()).state, 'none');

    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});

test('operations: the coverage layer shows gaps and a gap in the list zooms to it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  try {
    const api = await page.evaluate(async () => (await fetch('api/v1/coverage?kind=gaps,overlaps&format=geojson')).json());
    const gaps = api.features.filter((f) => f.properties.kind === 'gap' && f.geometry);
    assert.ok(gaps.length > 0, 'the demo has coverage gaps to show');
    await page.check('#coverage-toggle');
    await page.locator('#coverage-list li.gap button').first().waitFor({ timeout: 60_000 });
    assert.match(await page.locator('#coverage-summary').innerText(), new RegExp(`缺口 ${gaps.length.toLocaleString('zh-CN')} 处`));
    await page.locator('#coverage-list li.gap button').first().click();
    await page.waitForTimeout(300);
    await mapIdle(page);
    const seen = await page.evaluate(() => {
      const map = window.wanggeMap;
      const c = map.getCenter();
      const hits = map.queryRenderedFeatures({ layers: ['coverage-fill'] });
      return { zoom: map.getZoom(), lon: c.lng, lat: c.lat, gaps: hits.filter((f) => f.properties.kind === 'gap').length };
    });
    assert.ok(seen.zoom > 10, `the map zoomed in to the gap (zoom ${seen.zoom})`);
    assert.ok(seen.gaps > 0, 'the gap is drawn in the view');
    await screenshot(page, 'ops-coverage-gap');
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});

test('operations: assignment rates as a table and a choropleth, the H3 heat map, customer search', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('ops');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  try {
    await page.fill('#login-form input[name=name]', 'ops');
    await page.fill('#login-form input[name=password]', password);
    await page.click('#login-form button[type=submit]');
    await page.locator('#h3-box').waitFor({ state: 'visible', timeout: 15_000 });

    // Rates of level 2: the table lists every level-2 grid, worst first, as the API says.
    await page.selectOption('#rates-level', '2');
    await page.check('#rates-toggle');
    await page.locator('#rates-table tbody tr').first().waitFor({ timeout: 30_000 });
    const api = await page.evaluate(async () => (await fetch('api/v1/assignment?level=2')).json());
    const grids = api.rates.filter((r) => r.code !== null);
    assert.equal(await page.locator('#rates-table tbody tr').count(), grids.length);
    const worst = grids.filter((r) => r.customers.total > 0).sort((a, b) => a.customers.rate - b.customers.rate)[0];
    assert.equal(await page.locator('#rates-table tbody tr').first().getAttribute('data-code'), worst.code);
    assert.match(await page.locator('#rates-summary').innerText(), /已落格/);
    await mapIdle(page);
    const painted = await page.evaluate(() => {
      const map = window.wanggeMap;
      const hits = map.queryRenderedFeatures({ layers: ['rates-fill'] });
      return hits.filter((f) => Number.isFinite(f.state?.rate) && f.state.rate >= 0).length;
    });
    assert.ok(painted > 0, 'level-2 grids are filled by their rate');
    await screenshot(page, 'ops-rates-level2');
    // A row zooms to its grid and shows its details.
    await page.locator('#rates-table tbody tr').first().locator('button').click();
    await page.locator('#details-body').getByText(worst.code).first().waitFor({ timeout: 15_000 });
    await page.uncheck('#rates-toggle');

    // H3: customers, then the unplaced ones; the legend text names the counts from the API.
    await page.check('#h3-toggle');
    await page.waitForFunction(() => /六边形/.test(document.querySelector('#h3-summary')?.textContent || ''), null, { timeout: 60_000 });
    await mapIdle(page);
    const hexes = await page.evaluate(() => window.wanggeMap.queryRenderedFeatures({ layers: ['h3-fill'] }).length);
    assert.ok(hexes > 0, 'customer hexagons are drawn');
    await screenshot(page, 'ops-h3-customers');
    await page.selectOption('#h3-kind', 'unplaced');
    const res = await page.evaluate(() => Math.max(4, Math.min(9, Math.round(window.wanggeMap.getZoom() - 3))));
    const unplaced = await page.evaluate(async (r) => {
      const token = window.wanggeState.token;
      return (await fetch(`api/v1/h3?res=${r}&kind=unplaced`, { headers: { Authorization: `Bearer ${token}` } })).json();
    }, res);
    assert.ok(unplaced.points > 0, 'the demo has unplaced customers with a location');
    await page.waitForFunction((n) => (document.querySelector('#h3-summary')?.textContent || '').startsWith(`${n} 个客户`),
      unplaced.points.toLocaleString('zh-CN'), { timeout: 60_000 });
    await mapIdle(page);
    await screenshot(page, 'ops-h3-unplaced');

    // English texts for the new controls.
    await page.click('#lang');
    assert.match(await page.locator('#h3-box').innerText(), /Customer heat map/);
    await page.waitForFunction(() => /hexagons/.test(document.querySelector('#h3-summary')?.textContent || ''), null, { timeout: 60_000 });
    await page.click('#lang');

    // Customer search by name: the map flies to the customer and selects its cell.
    const hit = await page.evaluate(async () => {
      const token = window.wanggeState.token;
      const r = await fetch('api/v1/customers/search?q=SYKH00000002', { headers: { Authorization: `Bearer ${token}` } });
      return (await r.json()).items[0];
    });
    assert.ok(hit?.cell_code, 'the demo customer is placed in a cell');
    await page.uncheck('#h3-toggle');
    await page.fill('#search-input', hit.name);
    await page.press('#search-input', 'Enter');
    await page.waitForFunction((name) => (document.querySelector('#status')?.textContent || '').includes(name), hit.name, { timeout: 15_000 });
    await page.locator('#details-body').getByText(hit.cell_code).first().waitFor({ timeout: 15_000 });
    await screenshot(page, 'ops-customer-search');
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});

test('clerk: upload a small CSV, follow the job, download the results', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('clerk');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  try {
    await page.fill('#login-form input[name=name]', 'clerk');
    await page.fill('#login-form input[name=password]', password);
    await page.click('#login-form button[type=submit]');
    await page.locator('#geocode').waitFor({ state: 'visible', timeout: 15_000 });
    const csv = '编号,客户地址\n1,湖北省十堰市茅箭区武当路街道人民北路28号\n2,十堰市张湾区车城路街道公园路5号\n3,不知道在哪里\n';
    await page.setInputFiles('#geocode-file', { name: 'small.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.waitForFunction(() => document.querySelector('#geocode-column')?.value === '客户地址', null, { timeout: 10_000 });
    await page.click('#geocode-submit');
    await page.locator('#geocode-download').waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await page.locator('#geocode-status').innerText(), /完成：3\/3 行/);
    await screenshot(page, 'clerk-geocode');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#geocode-download')]);
    const text = await readFile(await download.path(), 'utf8');
    const lines = text.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    assert.equal(lines.length, 4, `a header and one line per input row:\n${text}`);
    assert.match(lines[0], /客户地址/, 'the result keeps the input columns');
    assert.match(lines[3], /不知道在哪里/);
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});

test('search by grid code zooms to the grid and shows it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  try {
    const code = await page.evaluate(async () => (await (await fetch('api/v1/grids?level=3&limit=1')).json()).features[0].properties.code);
    const before = await page.evaluate(() => window.wanggeMap.getZoom());
    await page.fill('#search-input', code.toLowerCase());
    await page.press('#search-input', 'Enter');
    await page.waitForFunction((want) => document.querySelector('#details .grid-code')?.textContent === want, code, { timeout: 15_000 });
    await page.waitForFunction((z) => window.wanggeMap.getZoom() > z + 1, before, { timeout: 15_000 });
    await mapIdle(page);
    await screenshot(page, 'search-code');
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});

// A cell whose name no other grid has, from the demo.
async function uniqueCellName(page) {
  return page.evaluate(async () => {
    const cells = (await (await fetch('api/v1/cells?limit=3000')).json()).features.map((f) => f.properties);
    const count = new Map();
    for (const c of cells) count.set(c.name, (count.get(c.name) || 0) + 1);
    const c = cells.find((x) => count.get(x.name) === 1 && x.name.length >= 4);
    return { code: c.code, name: c.name };
  });
}

for (const [label, contextOptions] of [
  ['desktop 1366x768', { viewport: { width: 1366, height: 768 } }],
  ['phone 390x844', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
]) {
  test(`${label}: a cell's own name after its divisions selects that cell (issue 13)`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const { context, page, problems } = await openMap(contextOptions);
    try {
      const cell = await uniqueCellName(page);
      // On a phone the search box is in the panel, collapsed at first.
      if (contextOptions.isMobile) await page.click('#panel-toggle');
      await page.fill('#search-input', `湖北省十堰市${cell.name}`);
      await page.press('#search-input', 'Enter');
      await page.waitForFunction((want) => document.querySelector('#details .grid-code')?.textContent === want, cell.code, { timeout: 15_000 });
      const status = await page.locator('#status').innerText();
      assert.match(status, new RegExp(`${cell.name}（${cell.code}）`), status);
      await mapIdle(page);
      await screenshot(page, `search-cell-name-${contextOptions.viewport.width}`);
      assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
    } finally {
      await context.close();
    }
  });
}

test('a district-level address hit puts a pin and selects no cell; outside the territory is said (issue 13)', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('clerk');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  try {
    await logIn(page, 'clerk', password);
    // A cell first, so that a stale selection would show.
    const cell = await uniqueCellName(page);
    await page.fill('#search-input', cell.name);
    await page.press('#search-input', 'Enter');
    await page.waitForFunction((want) => document.querySelector('#details .grid-code')?.textContent === want, cell.code, { timeout: 15_000 });

    await page.fill('#search-input', '湖北省十堰市茅箭区');
    await page.press('#search-input', 'Enter');
    await page.waitForFunction(() => /区县中心|county centre/.test(document.querySelector('#status')?.textContent || ''), null, { timeout: 15_000 });
    const status = await page.locator('#status').innerText();
    assert.match(status, /未选网格单元|too coarse/, status);
    assert.equal(await page.locator('#details .grid-code').count(), 0, 'no cell stays selected');
    assert.equal(await page.locator('.search-pin').count(), 1, 'one pin');
    await page.waitForFunction(() => !window.wanggeMap.isMoving(), null, { timeout: 15_000 });
    await mapIdle(page);
    await screenshot(page, 'search-district');

    await page.fill('#search-input', '北京市朝阳区建国路88号');
    await page.press('#search-input', 'Enter');
    await page.waitForFunction(() => /不在本公司范围内|Outside the territory/.test(document.querySelector('#status')?.textContent || ''), null, { timeout: 15_000 });
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});
