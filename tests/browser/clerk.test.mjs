// Clerks' geocoding results on the map, and what a grid manager is shown
// of the operations controls. Run against `wangge serve --demo` with
// SERVE_LOG (the demo passwords): BASE_URL=... SERVE_LOG=... node --test clerk.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  TEST_TIMEOUT_MS, demoPassword, openMap, mapIdle, screenshot, useBrowser, logIn,
} from './helpers.mjs';

useBrowser();

// Quoted fields with commas and doubled quotes; the last address fails.
const CSV = [
  '编号,客户地址,备注',
  '1,湖北省十堰市茅箭区武当路街道人民北路28号,"二楼, 靠窗"',
  '2,十堰市张湾区车城路街道公园路5号,"说 ""急"""',
  '3,"不知道, 在哪里",无',
  '',
].join('\n');

async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: file.suggestedFilename(), text: (await readFile(await file.path(), 'utf8')).replace(/^\uFEFF/, '') };
}

const drawnPoints = (page) => page.evaluate(() => window.wanggeMap.queryRenderedFeatures({ layers: ['geocode-points'] }).length);

test('clerk: geocode a file, download the results and the rows to fix, see the points on the map', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('clerk');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  try {
    await logIn(page, 'clerk', password);
    await page.locator('#geocode').waitFor({ state: 'visible', timeout: 15_000 });
    await page.setInputFiles('#geocode-file', { name: 'mixed.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV, 'utf8') });
    await page.waitForFunction(() => document.querySelector('#geocode-column')?.value === '客户地址', null, { timeout: 10_000 });
    assert.deepEqual(await page.$$eval('#geocode-column option', (os) => os.map((o) => o.value)), ['编号', '客户地址', '备注']);
    await page.click('#geocode-submit');
    await page.locator('#geocode-failures').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('#geocode-download').waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await page.locator('#geocode-status').innerText(), /完成：3\/3 行/);

    // The results: a header and the three rows, the quoted fields intact.
    const result = await download(page, '#geocode-download');
    assert.match(result.name, /^geocode-[0-9a-f]+\.csv$/);
    const resultLines = result.text.trim().split(/\r?\n/);
    assert.equal(resultLines.length, 4, result.text);
    assert.match(resultLines[0], /^编号,客户地址,备注,lon,lat,precision,confidence,/);
    assert.ok(result.text.includes('"不知道, 在哪里"'), result.text);

    // The rows to fix: as read plus status and reason; the link gives their count.
    const failures = await download(page, '#geocode-failures');
    assert.match(failures.name, /^geocode-[0-9a-f]+\.failures\.csv$/);
    const failLines = failures.text.trim().split(/\r?\n/);
    assert.equal(failLines[0], '编号,客户地址,备注,status,reason');
    const failing = failLines.find((l) => l.startsWith('3,'));
    assert.ok(failing, `the failing row is there:\n${failures.text}`);
    assert.match(failing, /^3,"不知道, 在哪里",无,failed,/);
    const linkText = await page.locator('#geocode-failures').innerText();
    assert.ok(linkText.includes(`${failLines.length - 1} 行`), `"${linkText}" counts ${failLines.length - 1} rows`);

    // On the map: the geocoded rows as points, zoomed to, with a legend.
    await page.locator('#geocode-map').waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForFunction(() => window.wanggeMap.getSource('geocode-results') && !window.wanggeMap.isMoving(), null, { timeout: 15_000 });
    await mapIdle(page);
    const drawn = await drawnPoints(page);
    assert.ok(drawn > 0, 'result points are drawn');
    const legend = await page.$$eval('#geocode-legend li[data-status]', (lis) => Object.fromEntries(
      lis.map((li) => [li.dataset.status, Number(li.querySelector('.count').textContent.replace(/,/g, ''))])));
    assert.equal(legend.failed, 1, JSON.stringify(legend));
    assert.equal(legend.matched + legend.partial + legend.ambiguous + legend.failed, 3, JSON.stringify(legend));
    assert.ok(drawn <= 2, `failed rows have no point (${drawn} drawn)`);

    // A click on a point tells what was found.
    const target = await page.evaluate(() => {
      const map = window.wanggeMap;
      const rect = map.getCanvas().getBoundingClientRect();
      for (const f of map.queryRenderedFeatures({ layers: ['geocode-points'] })) {
        const p = map.project(f.geometry.coordinates);
        const x = rect.left + p.x; const y = rect.top + p.y;
        if (document.elementFromPoint(x, y) === map.getCanvas()) return { x, y, address: f.properties.address, status: f.properties.status };
      }
      return null;
    });
    assert.ok(target, 'a result point is clickable');
    await page.mouse.click(target.x, target.y);
    const popup = page.locator('.maplibregl-popup .geocode-popup');
    await popup.waitFor({ timeout: 10_000 });
    const popupText = await popup.innerText();
    assert.ok(popupText.includes(target.address), popupText);
    assert.match(popupText, /精度/);
    assert.match(popupText, /置信度/);
    assert.equal(await popup.getAttribute('data-status'), target.status);
    await screenshot(page, 'clerk-results-map');

    // The toggle hides the layer and shows it again.
    await page.uncheck('#geocode-layer-toggle');
    await mapIdle(page);
    assert.equal(await drawnPoints(page), 0, 'hidden');
    await page.check('#geocode-layer-toggle');
    await mapIdle(page);
    assert.equal(await drawnPoints(page), drawn, 'shown again');

    // English: the legend and link texts follow.
    await page.click('#lang');
    assert.match(await page.locator('#geocode-failures').innerText(), /rows to fix \(\d+\)/);
    assert.match(await page.locator('#geocode-legend').innerText(), /matched/);
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});

test('grid manager: the panel offers nothing the role may not use, and says why', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('zhengqi');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  try {
    await logIn(page, 'zhengqi', password);
    assert.equal(await page.locator('#h3-box').isVisible(), false, 'no H3 heat map (company-wide customers)');
    const why = page.locator('#ops-denied');
    assert.ok(await why.isVisible(), 'a hint says why');
    assert.match(await why.innerText(), /客户热力/);
    assert.equal(await page.locator('#search-input').getAttribute('placeholder'), '网格名称或编码、地址');
    assert.equal(await page.locator('#geocode').isVisible(), false, 'bulk geocoding is for clerks');

    // What the role may use: coverage and assignment rates.
    await page.check('#coverage-toggle');
    await page.waitForFunction(() => /\d/.test(document.querySelector('#coverage-summary')?.textContent || ''), null, { timeout: 60_000 });
    await page.check('#rates-toggle');
    await page.waitForFunction(() => document.querySelectorAll('#rates-table tbody tr').length > 0, null, { timeout: 30_000 });
    await page.uncheck('#coverage-toggle');
    await page.uncheck('#rates-toggle');

    // A search by name goes to the address geocoder, not the customer search.
    await page.fill('#search-input', '便利店');
    await page.click('#search button[type=submit]');
    await page.waitForFunction(() => !document.querySelector('#status')?.hidden || window.wanggeMap.isMoving(), null, { timeout: 15_000 });

    // A cell outside the manager's grids and not theirs: its details, but
    // not its customers and resources (the server would refuse), with a hint.
    await mapIdle(page);
    const cell = await page.evaluate(() => {
      const st = window.wanggeState;
      const map = window.wanggeMap;
      const scopes = st.user.scopes || [];
      const rect = map.getCanvas().getBoundingClientRect();
      for (let fy = 0.1; fy < 0.95; fy += 0.05) {
        for (let fx = 0.05; fx < 0.6; fx += 0.05) {
          const x = rect.width * fx; const y = rect.height * fy;
          if (document.elementFromPoint(rect.left + x, rect.top + y) !== map.getCanvas()) continue;
          const hit = map.queryRenderedFeatures([x, y], { layers: ['cells-fill'] })[0];
          const code = hit?.properties.code;
          if (code && !scopes.some((s) => code === s || code.startsWith(`${s}-`)) && !st.claims.has(code)) {
            return { x: rect.left + x, y: rect.top + y, code };
          }
        }
      }
      return null;
    });
    assert.ok(cell, 'a cell outside the manager\'s scope is drawn');
    await page.mouse.click(cell.x, cell.y);
    await page.waitForFunction((code) => document.querySelector('#details .grid-code')?.textContent === code, cell.code, { timeout: 15_000 });
    await page.locator('#cell-data-denied').waitFor({ timeout: 15_000 });
    await page.locator('#cell-data-denied').scrollIntoViewIfNeeded();
    await screenshot(page, 'manager-panel');
    const refused = problems.filter((p) => /^HTTP 403/.test(p));
    assert.deepEqual(refused, [], 'the page asked for nothing the server refuses');
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});

test('clerk: a header with no address column it knows: the page asks which column, it does not take the first (issue 13)', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('clerk');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 } });
  try {
    await logIn(page, 'clerk', password);
    await page.locator('#geocode').waitFor({ state: 'visible', timeout: 15_000 });
    const csv = '编号,位置,备注\n1,湖北省十堰市茅箭区五堰街道,\n';
    await page.setInputFiles('#geocode-file', { name: 'odd.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.waitForFunction(() => document.querySelectorAll('#geocode-column option').length === 4, null, { timeout: 10_000 });
    assert.equal(await page.locator('#geocode-column').inputValue(), '', 'nothing chosen for the clerk');
    assert.ok(await page.locator('#geocode-submit').isDisabled(), 'nothing to submit until a column is chosen');
    assert.match(await page.locator('#geocode-status').innerText(), /请选择地址所在的列/);
    await page.selectOption('#geocode-column', '位置');
    assert.ok(await page.locator('#geocode-submit').isEnabled());
    await page.click('#geocode-submit');
    await page.waitForFunction(() => /完成：1\/1 行/.test(document.querySelector('#geocode-status')?.textContent || ''), null, { timeout: 60_000 });
    await screenshot(page, 'clerk-column-asked');
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});
