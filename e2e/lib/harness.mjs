// Helpers for the end-to-end tests in e2e/tests/*.test.mjs (run with `node --test`).
//
// They test the release bundle that scripts/test.sh builds with
//   trunk build --release --dist target/e2e-dist
// (override with SLOTSCOPE_DIST=/some/dist), served by a tiny static server on a free loopback
// port, in Debian's /usr/bin/chromium driven by playwright-core (no downloaded browsers).
//
// Typical test file:
//
//   import { test } from 'node:test';
//   import assert from 'node:assert/strict';
//   import { useApp, openApp, assertNoConsoleErrors, screenshot } from '../lib/harness.mjs';
//
//   const app = useApp();                       // server + browser for this file
//   test('something', async () => {
//     const page = await openApp(app);          // new page, app loaded and mounted
//     await page.getByRole('button', { name: 'Send' }).click();
//     await screenshot(page, 'after-send');     // -> target/screenshots/after-send.png
//     assertNoConsoleErrors(page);
//   });

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** Repository root. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The release bundle under test. */
export const DIST = path.resolve(process.env.SLOTSCOPE_DIST ?? path.join(REPO, 'target', 'e2e-dist'));
/** Where screenshot() writes PNGs. */
export const SCREENSHOT_DIR = path.join(REPO, 'target', 'screenshots');
/** Debian's Chromium (override with CHROMIUM=/path). */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * Serves `dir` (default: the release dist) on 127.0.0.1 at a free port.
 * Paths without a file extension fall back to index.html (client-side routes).
 * Options: `base` serves it under a sub-path ('/docs/slotscope/'; anything else is 404),
 * `headers` are added to every response (e.g. a Content-Security-Policy). The repository's
 * examples/ folder is served at <url>examples/.
 * Returns { url, port, close() }; url ends with '/'.
 */
export async function startServer(dir = DIST, { base = '/', headers = {} } = {}) {
  const root = path.resolve(dir);
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new Error(`${root}/index.html not found: build it with trunk build --release --dist ${path.relative(REPO, root)}`);
  }
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (!rel.startsWith(base)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    rel = '/' + rel.slice(base.length);
    const examples = rel.startsWith('/examples/');
    const top = examples ? path.join(REPO, 'examples') : root;
    let file = path.join(top, path.normalize(examples ? rel.slice('/examples'.length) : rel));
    if (!file.startsWith(top)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!fs.existsSync(file) && path.extname(file) === '') file = path.join(root, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, {
        ...headers,
        'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}${base}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Launches headless Debian Chromium with the flags this machine needs. */
export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Opens a new page (own browser context, 1280x800 unless `options.viewport` says otherwise)
 * that records problems while it lives:
 *   page.consoleErrors  console.error messages and failed (>= 400) responses
 *   page.pageErrors     uncaught exceptions (including wasm panics surfaced as errors)
 */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  page.consoleErrors = [];
  page.pageErrors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      page.consoleErrors.push(`${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => page.pageErrors.push(String(err?.stack ?? err)));
  page.on('response', (res) => {
    if (res.status() >= 400) page.consoleErrors.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  page.on('close', () => context.close().catch(() => {}));
  return page;
}

/** Fails the test if the page logged a console error or threw an uncaught exception. */
export function assertNoConsoleErrors(page) {
  const problems = [...page.consoleErrors, ...page.pageErrors];
  assert.deepEqual(problems, [], `console errors / page errors:\n  ${problems.join('\n  ')}`);
}

/**
 * Parts with `content-visibility: auto` are drawn only near the viewport; this draws them
 * all, as a reader scrolling through the page sees them (inside widgets' shadow roots too).
 */
async function revealAll(page) {
  await page.evaluate(() => {
    const reveal = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (getComputedStyle(el).contentVisibility === 'auto') el.style.contentVisibility = 'visible';
        if (el.shadowRoot) reveal(el.shadowRoot);
      }
    };
    reveal(document);
  });
}

const AXE = path.join(REPO, 'e2e', 'node_modules', 'axe-core', 'axe.min.js');

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, which the page's CSP
 * does not govern; an inline <script> would be refused) and fails on any violation. axe
 * reads rendered colours, so every part of the page is drawn first.
 */
export async function assertNoAxeViolations(page, label, skip = []) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  await revealAll(page);
  const violations = await page.evaluate(async (skip) => {
    const rules = Object.fromEntries(skip.map((id) => [id, { enabled: false }]));
    const r = await window.axe.run(document, { resultTypes: ['violations'], rules });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`),
    }));
  }, skip);
  assert.deepEqual(violations, [], `${label}: axe violations\n${JSON.stringify(violations, null, 2)}`);
}

/** Everything a person sees of the simulation at this moment (to compare two pages or moments). */
export async function moment(page) {
  return {
    log: (await page.getByRole('log').locator('[data-log-entry]').allTextContents()).join('\n'),
    timeline: await page.locator('label[for="timeline"]').textContent(),
    map: await page.locator('.map-wrap').textContent(),
    nodes: await page.locator('.nodes').textContent(),
    clients: await page.locator('.clients').textContent(),
    key: await page.getByLabel('Key', { exact: true }).inputValue(),
    policy: await page.getByLabel('Client policy').inputValue(),
  };
}

/** Saves a full-page PNG to target/screenshots/NAME.png and returns its path. */
export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await revealAll(page);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Waits until the Yew app has mounted: <body> holds an element other than the
 * scripts/links trunk injects. Call after page.goto().
 */
export async function waitForApp(page, timeout = 15_000) {
  await page.waitForFunction(
    () => [...document.body.children].some((el) => !['SCRIPT', 'LINK', 'STYLE'].includes(el.tagName)),
    null,
    { timeout },
  );
}

/**
 * Registers node:test before/after hooks that start the static server and the browser once
 * for the calling test file, and stop them afterwards. Returns an object that is filled in
 * before the first test runs: { url, server, browser }.
 */
export function useApp({ dist = DIST, ...serverOptions } = {}) {
  const app = {};
  before(async () => {
    app.server = await startServer(dist, serverOptions);
    app.url = app.server.url;
    app.browser = await launchBrowser();
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.close();
  });
  return app;
}

/** newPage() + goto(app.url + route) + waitForApp(). */
export async function openApp(app, route = '', options = {}) {
  const page = await newPage(app.browser, options);
  await page.goto(new URL(route, app.url).href, { waitUntil: 'load' });
  await waitForApp(page);
  return page;
}

/**
 * A session with more than one step, as a person plays it: the ASK preset with Jedis and seed 7
 * at Instant speed, one Send, a second client (go-redis), then Send with the key user:100 (its
 * result may still be on its way). Returns the page.
 */
export async function openTwoClientSession(app) {
  const page = await openApp(app, '?scenario=ask&policy=jedis&seed=7');
  const button = (name) => page.getByRole('button', { name, exact: true });
  await page.getByLabel('Speed').selectOption('instant');
  await button('Send').click();
  await page.getByRole('log').getByText(/Result:/).first().waitFor();
  await page.getByLabel("New client's policy").selectOption('go-redis');
  await button('Add client').click();
  await page.locator('.clients').getByRole('button', { name: /Client 2/ }).waitFor();
  await page.getByLabel('Key', { exact: true }).fill('user:100');
  await button('Send').click();
  return page;
}

