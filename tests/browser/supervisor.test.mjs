// The supervisor's queue: a 政企 manager's pending claim shows in the
// supervisor's queue, is approved with the page's buttons, then locked and
// unlocked from the cell's details. Leaves the demo as it was.
// BASE_URL=... SERVE_LOG=... node --test supervisor.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, TEST_TIMEOUT_MS, demoPassword, openMap, screenshot, useBrowser, logIn,
} from './helpers.mjs';

useBrowser();

const API = `${BASE_URL}/api/v1`;

async function api(path, token, body) {
  const res = await fetch(`${API}/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Accept-Language': 'zh-CN' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json = null;
  try { json = await res.json(); } catch { /* not JSON */ }
  return { ok: res.ok, status: res.status, json };
}

async function login(name, password) {
  const r = await fetch(`${API}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password }) });
  assert.ok(r.ok, `login ${name}: ${r.status}`);
  return (await r.json()).token;
}

/** An unclaimed 政企 cell of the manager's first scope. */
async function freeZhengqiCell(token, scope) {
  const fc = await (await fetch(`${API}/cells?parent=${encodeURIComponent(scope)}&limit=500`)).json();
  const open = (await api('claims?status=pending,active&limit=10000', token)).json.claims.map((c) => c.cell);
  const taken = new Set(open);
  return fc.features.map((f) => f.properties).find((p) => p.zhengqi && !taken.has(p.code));
}

test('a supervisor approves a pending claim from the queue, then locks and unlocks the cell', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const zqPassword = await demoPassword('zhengqi');
  const supPassword = await demoPassword('supervisor');
  if (!zqPassword || !supPassword) { t.skip('SERVE_LOG with the demo passwords is not given'); return; }
  const zq = await login('zhengqi', zqPassword);
  const cell = await freeZhengqiCell(zq, 'SY-MJ01-01-002');
  assert.ok(cell, 'a free 政企 cell in zhengqi\'s scope');
  const code = cell.code;
  const claimed = await api(`cells/${code}/claim`, zq, {});
  assert.ok(claimed.ok, `claim: ${JSON.stringify(claimed.json)}`);
  assert.equal(claimed.json.claim.status, 'pending');

  const { context, page, problems } = await openMap({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  let supToken = null;
  try {
    await logIn(page, 'supervisor', supPassword);
    supToken = await page.evaluate(() => window.wanggeState.token);
    const row = page.locator(`#queue-list li[data-code="${code}"]`);
    await row.waitFor({ timeout: 15_000 });
    assert.match(await page.locator('#queue h2').textContent(), /待审批认领/);
    assert.match(await row.textContent(), /zhengqi/);
    assert.match(await row.textContent(), new RegExp(cell.name));
    // The manager filter offers zhengqi; the grid filter keeps the row.
    assert.ok(await page.locator('#queue-manager option[value="zhengqi"]').count() === 1, 'zhengqi in the manager filter');
    await page.fill('#queue-grid', code);
    await page.press('#queue-grid', 'Enter');
    await page.waitForFunction((c) => {
      const rows = document.querySelectorAll('#queue-list li[data-code]');
      return rows.length === 1 && rows[0].dataset.code === c;
    }, code, { timeout: 15_000 });
    // Older than 30 days: the fresh claim is filtered out, and back again.
    await page.fill('#queue-days', '30');
    await page.waitForFunction(() => document.querySelectorAll('#queue-list li[data-code]').length === 0);
    await page.fill('#queue-days', '');
    await row.waitFor({ timeout: 5_000 });

    // A row selects its cell: the details offer approve and reject.
    await row.locator('button.queue-cell').click();
    await page.waitForFunction((c) => document.querySelector('#details .grid-code')?.textContent === c, code, { timeout: 15_000 });
    await page.locator('#approve-btn').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#reject-btn').count(), 1);
    await row.locator('input.queue-check').check();
    await screenshot(page, 'supervisor-queue');

    await page.click('#queue-approve');
    await page.waitForFunction(() => /已批准/.test(document.querySelector('#queue-msg')?.textContent || ''), null, { timeout: 15_000 });
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    const after = await api(`claims?grid=${code}`, supToken);
    assert.ok(after.ok);
    const open = after.json.claims.find((c) => c.cell === code && (c.status === 'active' || c.status === 'pending'));
    assert.equal(open?.status, 'active', `claim of ${code} is active: ${JSON.stringify(after.json.claims)}`);
    assert.equal(open.decided_by, 'supervisor');

    // The details follow: no approve any more; lock, then unlock.
    await page.locator('#lock-btn').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#approve-btn').count(), 0);
    assert.equal(await page.locator('#transfer-btn').count(), 1, 'a transfer button for an active claim');
    await page.click('#lock-btn');
    await page.locator('#unlock-btn').waitFor({ timeout: 15_000 });
    assert.match(await page.locator('#lock-state').textContent(), /已锁定/);
    let now = await api(`claims?grid=${code}`, supToken);
    assert.equal(now.json.claims.find((c) => c.cell === code && c.status === 'active')?.locked, true);
    await page.click('#unlock-btn');
    await page.locator('#lock-btn').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#lock-state').count(), 0);
    now = await api(`claims?grid=${code}`, supToken);
    assert.equal(now.json.claims.find((c) => c.cell === code && c.status === 'active')?.locked, false);

    // A transfer to a user who does not exist: refused, the message shown.
    await page.click('#transfer-btn');
    await page.fill('#transfer-to', 'nobody-here');
    await page.click('#transfer-go');
    const refusal = page.locator('#details .error.notice');
    await refusal.waitFor({ timeout: 15_000 });
    assert.match(await refusal.textContent(), /被拒绝/);
    assert.doesNotMatch(await refusal.textContent(), /unprocessable/);
    const stillMine = await api(`claims?grid=${code}`, supToken);
    assert.equal(stillMine.json.claims.find((c) => c.cell === code && c.status === 'active')?.manager?.name, 'zhengqi');

    // The refused transfer's 422 (a response and its console line) is expected.
    const others = problems.filter((p) => !(p.includes('422') && p.includes(`/cells/${code}/transfer`)));
    assert.deepEqual(others, [], 'no console errors, page errors or failed requests');
  } finally {
    await context.close();
    // Leave the demo as it was: unlocked, released.
    await api(`cells/${code}/unlock`, zq, {}).catch(() => {});
    const released = await api(`cells/${code}/release`, zq, {});
    assert.ok(released.ok, `release: ${JSON.stringify(released.json)}`);
  }
});
