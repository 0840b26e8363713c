// What each role is offered, said in Chinese, and a session that ends.
// Run against `wangge serve --demo` with SERVE_LOG (the demo passwords):
// BASE_URL=... SERVE_LOG=... node --test roles.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, TEST_TIMEOUT_MS, demoPassword, openMap, mapIdle, screenshot, useBrowser, logIn, cellPoint,
} from './helpers.mjs';

useBrowser();

/** An unclaimed cell of the user's scope whose type is (or is not) a
 * 政企 type, with its box. */
async function cellOfScope(page, zhengqiType) {
  return page.evaluate(async (wantZhengqi) => {
    const st = window.wanggeState;
    const types = (await (await fetch('api/v1/cell-types')).json()).cell_types;
    const zq = new Set(types.filter((x) => x.zhengqi).map((x) => x.code));
    for (const scope of st.user.scopes || []) {
      const fc = await (await fetch(`api/v1/cells?parent=${encodeURIComponent(scope)}&limit=500`)).json();
      const f = fc.features.find((x) => !st.claims.has(x.properties.code)
        && zq.has(x.properties.cell_type) === wantZhengqi);
      if (f) {
        const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
        const xs = ring.map((p) => p[0]); const ys = ring.map((p) => p[1]);
        return { code: f.properties.code, type: f.properties.cell_type,
          bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] };
      }
    }
    return null;
  }, zhengqiType);
}

/** Brings the cell into view and clicks it; waits for its details. */
async function clickCell(page, cell) {
  await page.evaluate((b) => window.wanggeMap.fitBounds(b, { padding: { top: 150, bottom: 150, left: 150, right: 500 }, duration: 0 }), cell.bbox);
  await mapIdle(page);
  const point = await cellPoint(page, cell.code);
  assert.ok(point, `cell ${cell.code} is drawn and clickable`);
  await page.mouse.click(point.x, point.y);
  await page.waitForFunction((code) => document.querySelector('#details .grid-code')?.textContent === code, cell.code, { timeout: 15_000 });
}

/** Latin letters left in a Chinese text once its codes are taken out. */
function english(text, codes) {
  let rest = text;
  for (const c of codes) rest = rest.split(c).join('');
  return rest.match(/[A-Za-z]{2,}/g) || [];
}

test('a community manager is offered only what the rules allow, and told why in Chinese', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('community');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  try {
    await logIn(page, 'community', password);
    const zq = await cellOfScope(page, true);
    assert.ok(zq, 'a 政企 cell in the community manager\'s scope');
    await clickCell(page, zq);
    const refused = page.locator('#claim-refused');
    await refused.waitFor({ timeout: 15_000 });
    const why = await refused.textContent();
    assert.match(why, /不能认领/);
    assert.match(why, /社区客户经理不能认领/, why);
    assert.deepEqual(english(why, [zq.code]), [], `untranslated text in ${JSON.stringify(why)}`);
    assert.equal(await page.locator('#claim-btn').count(), 0, 'no claim button for a cell the rules refuse');
    await screenshot(page, 'community-refused-zhengqi-cell');

    const own = await cellOfScope(page, false);
    assert.ok(own, 'a community cell in scope');
    await clickCell(page, own);
    await page.locator('#claim-btn').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#claim-refused').count(), 0);
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
  }
});

test('a revoked token returns to the login form and keeps the view', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const password = await demoPassword('community');
  if (!password) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
  try {
    await logIn(page, 'community', password);
    const cell = await cellOfScope(page, false);
    assert.ok(cell);
    await page.evaluate((b) => window.wanggeMap.fitBounds(b, { padding: 200, duration: 0 }), cell.bbox);
    await mapIdle(page);
    const view = await page.evaluate(() => ({ center: window.wanggeMap.getCenter().toArray(), zoom: window.wanggeMap.getZoom() }));
    // Revoked behind the page's back (another tab, an administrator).
    const token = await page.evaluate(() => window.wanggeState.token);
    const out = await fetch(`${BASE_URL}/api/v1/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    assert.ok(out.ok, `logout: ${out.status}`);
    await clickCell(page, cell);
    await page.locator('#login-form').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#user-name').count(), 0, 'the name is no longer shown');
    assert.equal(await page.evaluate(() => window.wanggeState.token), null);
    const now = await page.evaluate(() => ({ center: window.wanggeMap.getCenter().toArray(), zoom: window.wanggeMap.getZoom() }));
    assert.ok(Math.abs(now.zoom - view.zoom) < 2, `the map stays where it was (${view.zoom} -> ${now.zoom})`);
    const notice = await page.locator('#login-error').textContent();
    assert.match(notice, /登录已失效/, notice);
    await screenshot(page, 'session-lost-login-again');
    // The requests of that click (sent together) found the token revoked;
    // nothing else failed.
    const others = problems.filter((p) => !(p.includes('401') && p.includes(`/api/v1/cells/${cell.code}/`)));
    assert.deepEqual(others, [], 'nothing else failed');
  } finally {
    await context.close();
  }
});
