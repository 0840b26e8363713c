// What the browser tests share: the browser, opening the map with every
// console error recorded, waiting for the map, demo passwords, screenshots.
// Each *.test.mjs file calls useBrowser() once at its top.

import { before, after } from 'node:test';
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
export const READY_TIMEOUT_MS = 90_000;
export const TEST_TIMEOUT_MS = 180_000;
export const DEMO_CELLS = /7,?183/;
// The server's output when it seeded the demo: it lists the demo users'
// passwords (shown only then). .ci/run passes it; without it the login
// tests are skipped with a message.
const SERVE_LOG = process.env.SERVE_LOG || '';

/** The password of a demo user, read from the seeding server's output. */
export async function demoPassword(name) {
  if (!SERVE_LOG) return null;
  const text = await readFile(SERVE_LOG, 'utf8');
  const line = text.split('\n').find((l) => l.trim().startsWith(`${name} `));
  return line?.match(/password (\S+)/)?.[1] ?? null;
}

let browser;

/** Starts Chromium before this file's tests and closes it after them. */
export function useBrowser() {
  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
  });
}

/** Opens the map in a fresh context and records every console error, page
 * error and failed request so the test can fail on them. */
export async function openMap(contextOptions) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const where = msg.location();
      problems.push(`console error: ${msg.text()} (${where.url}:${where.lineNumber})`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    // The page aborts a superseded cells request on purpose.
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') {
      problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
    }
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.wanggeReady instanceof Promise, null, { timeout: 10_000 });
  await page.evaluate((ms) => Promise.race([
    window.wanggeReady.then(() => 'ready'),
    new Promise((_, reject) => { setTimeout(() => reject(new Error(`wanggeReady not resolved after ${ms} ms`)), ms); }),
  ]), READY_TIMEOUT_MS);
  return { context, page, problems };
}

/** Waits until the map has drawn everything it has been asked to. */
export function mapIdle(page) {
  return page.evaluate(() => new Promise((resolve) => {
    const map = window.wanggeMap;
    map.once('idle', resolve);
    map.triggerRepaint();
  }));
}

/** Distinct features drawn by one layer in the current view. */
export function renderedCount(page, layer) {
  return page.evaluate((id) => new Set(window.wanggeMap.queryRenderedFeatures({ layers: [id] })
    .map((f) => f.properties.code)).size, layer);
}

/** A point on the map canvas (not under the panel or a control) where a cell
 * is drawn, searched from the middle of the free map area outwards. */
export function findCellPoint(page) {
  return page.evaluate(() => {
    const map = window.wanggeMap;
    const canvas = map.getCanvas();
    const rect = canvas.getBoundingClientRect();
    const points = [];
    for (let fy = 0.05; fy < 1; fy += 0.05) {
      for (let fx = 0.05; fx < 1; fx += 0.05) {
        const x = rect.left + rect.width * fx; const y = rect.top + rect.height * fy;
        points.push({ x, y, d: Math.hypot(fx - 0.4, fy - 0.5) });
      }
    }
    points.sort((a, b) => a.d - b.d);
    for (const { x, y } of points) {
      if (document.elementFromPoint(x, y) !== canvas) continue;
      const hits = map.queryRenderedFeatures([x - rect.left, y - rect.top], { layers: ['cells-fill'] });
      if (hits.length) return { x, y, code: hits[0].properties.code };
    }
    return null;
  });
}

export async function screenshot(page, name) {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png` });
}


/** Logs in through the page's form and waits for the account panel to show the user. */
export async function logIn(page, name, password) {
  await page.fill('#login-form input[name=name]', name);
  await page.fill('#login-form input[name=password]', password);
  await page.click('#login-form button[type=submit]');
  await page.locator('#user-name').waitFor({ timeout: 15_000 });
}

/** Where the cell `code` is drawn and clickable (not under the panel), in
 * page coordinates, searched over the left part of the map; null if not. */
export function cellPoint(page, code) {
  return page.evaluate((wanted) => {
    const map = window.wanggeMap;
    const rect = map.getCanvas().getBoundingClientRect();
    for (let fy = 0.1; fy < 1; fy += 0.04) {
      for (let fx = 0.05; fx < 0.65; fx += 0.03) {
        const x = rect.width * fx; const y = rect.height * fy;
        const hits = map.queryRenderedFeatures([x, y], { layers: ['cells-fill'] });
        if (hits[0]?.properties.code === wanted && document.elementFromPoint(x + rect.left, y + rect.top) === map.getCanvas()) {
          return { x: x + rect.left, y: y + rect.top };
        }
      }
    }
    return null;
  }, code);
}
