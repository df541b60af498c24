// Embedding: the <slotscope-demo> element (examples/docs-page.html), the iframe mode
// (?embed=1 with the README's host snippet), themes, projector mode and bad input. Everything
// is served under a sub-path with a strict Content-Security-Policy header, and the pages may
// not request anything from another origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useApp, newPage, assertNoConsoleErrors, screenshot, REPO } from '../lib/harness.mjs';

const BASE = '/docs/slotscope/';
// No inline script, no eval; WebAssembly compilation allowed. Styles may be inline (the app
// sets a few style attributes).
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; object-src 'none'; base-uri 'none'";
const app = useApp({ base: BASE, headers: { 'content-security-policy': CSP } });

/** A page that records console warnings and every URL it requests. */
async function open(route, options = {}) {
  const page = await newPage(app.browser, options);
  page.requests = [];
  page.warnings = [];
  page.on('request', (r) => page.requests.push(r.url()));
  page.on('console', (m) => m.type() === 'warning' && page.warnings.push(m.text()));
  if (route !== null) await page.goto(new URL(route, app.url).href, { waitUntil: 'load' });
  return page;
}

/** Fails on console errors, and on any request outside the served sub-path. */
function assertClean(page) {
  assertNoConsoleErrors(page);
  const outside = page.requests.filter((u) => !u.startsWith(app.url) && !u.startsWith('data:'));
  assert.deepEqual(outside, [], 'requests outside the served folder');
}

const send = (scope) => scope.getByRole('button', { name: 'Send', exact: true });
const entries = (scope) => scope.locator('[data-log-entry]');

/** The relative luminance (0 black .. 1 white) of a CSS rgb() colour. */
function luminance(rgb) {
  const [r, g, b] = rgb.match(/[\d.]+/g).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const background = (locator) => locator.evaluate((el) => getComputedStyle(el).backgroundColor);

test('the docs example: three independent widgets, each in its own shadow root', async () => {
  const page = await open('examples/docs-page.html');
  const widgets = page.locator('slotscope-demo');
  assert.equal(await widgets.count(), 3);
  for (let i = 0; i < 3; i++) await send(widgets.nth(i)).waitFor();
  assert.deepEqual(
    await widgets.evaluateAll((els) => els.map((el) => !!el.shadowRoot?.querySelector('.app'))),
    [true, true, true],
  );
  // The page's own body is left alone: no app mounted on it.
  assert.equal(await page.locator('body > .app').count(), 0);

  const logs = async () => Promise.all([0, 1, 2].map((i) => widgets.nth(i).locator('.log').innerText()));
  const before = await logs();
  const ask = widgets.nth(1);
  const count = await entries(ask).count();
  await send(ask).click();
  // The ASK widget plays its request: the source's ASK, then ASKING to the target.
  await ask.locator('.log', { hasText: 'ASKING' }).waitFor({ timeout: 15_000 });
  assert.ok((await entries(ask).count()) > count);
  const after = await logs();
  assert.equal(after[0], before[0], 'the MOVED widget did not move');
  assert.equal(after[2], before[2], 'the hash tag widget did not move');
  assert.notEqual(after[1], before[1]);

  // Each widget has its own form: typing in one leaves the others' key boxes alone.
  const key = (i) => widgets.nth(i).getByLabel('Key', { exact: true });
  const third = await key(2).inputValue();
  await key(0).fill('order:1');
  assert.equal(await key(2).inputValue(), third);
  await screenshot(page, 'embed-docs-light');
  assertClean(page);
});

test('the docs example teaches what its text says: a hash tag keeps MGET in one slot, else CROSSSLOT', async () => {
  const page = await open('examples/docs-page.html');
  const tags = page.locator('slotscope-demo').nth(2);
  await send(tags).waitFor();
  await tags.getByLabel('Command').selectOption('MGET');
  await tags.getByLabel('Speed').selectOption('instant');
  const more = tags.getByLabel('More keys', { exact: false });
  const log = tags.locator('.log');
  await more.fill('{user:42}:profile');
  await send(tags).click();
  await log.getByText('Result').first().waitFor();
  assert.ok(!(await log.innerText()).includes('CROSSSLOT'), 'same hash tag, same slot');
  await more.fill('user:42:profile');
  await send(tags).click();
  await log.getByText('CROSSSLOT').first().waitFor();
  await tags.scrollIntoViewIfNeeded();
  await tags.screenshot({ path: await screenshot(page, 'embed-docs-crossslot') });
  assertClean(page);
});

test('a widget with all its controls runs the comparison tool from the app folder', async () => {
  const page = await open('examples/docs-page.html');
  await page.evaluate(() => {
    const el = document.createElement('slotscope-demo');
    el.id = 'full';
    document.querySelector('article').append(el);
  });
  const full = page.locator('#full');
  await full.getByText('Compare client policies').click();
  await full.getByRole('button', { name: 'Run comparison' }).click();
  await full.getByRole('table').filter({ hasText: 'Counters side by side' }).waitFor({ timeout: 30_000 });
  assert.ok(page.requests.some((u) => u === new URL('tools-worker.js', app.url).href), 'the worker comes from the app folder');
  assertClean(page);
});

test('keyboard: the host page keeps its keys, the widgets take none', async () => {
  const page = await open('examples/docs-page.html');
  const widgets = page.locator('slotscope-demo');
  for (let i = 0; i < 3; i++) await send(widgets.nth(i)).waitFor();
  const steps = () => Promise.all([0, 1, 2].map((i) => widgets.nth(i).locator('label[for=timeline]').innerText()));
  const before = await steps();
  await page.locator('article > h1').click();
  await page.keyboard.press('Space');
  await page.keyboard.press('PageDown');
  await page.waitForFunction(() => scrollY > 0);
  await page.waitForTimeout(300);
  assert.deepEqual(await steps(), before, 'keys on the host page leave the widgets alone');
  await widgets.nth(1).getByRole('button', { name: 'Step', exact: true }).focus();
  await page.keyboard.press('PageDown');
  await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(300);
  assert.deepEqual(await steps(), before, 'nor do keys typed in a widget');
  assertClean(page);
});

test('host page styles do not leak into a widget', async () => {
  const page = await open('examples/docs-page.html');
  const widget = page.locator('slotscope-demo').first();
  await send(widget).waitFor();
  const normal = await background(send(widget));
  await page.addStyleTag({
    content:
      'button { background: rgb(255, 0, 255) !important; } ' +
      'article { color: rgb(255, 0, 255); font-family: serif; letter-spacing: 4px; } ' +
      'p { color: rgb(255, 0, 255) !important; }',
  });
  await page.evaluate(() => document.body.append(Object.assign(document.createElement('button'), { id: 'host-button', textContent: 'host' })));
  assert.equal(await background(page.locator('#host-button')), 'rgb(255, 0, 255)', 'the host rule applies on the host page');
  assert.equal(await background(send(widget)), normal, 'the host button rule stays outside');
  const inside = await widget.locator('.hop-caption').evaluate((el) => {
    const s = getComputedStyle(el);
    return { color: s.color, font: s.fontFamily, spacing: s.letterSpacing };
  });
  assert.notEqual(inside.color, 'rgb(255, 0, 255)');
  assert.ok(!/^serif/.test(inside.font), inside.font);
  assert.equal(inside.spacing, 'normal');
  assertClean(page);
});

test('widgets follow the system theme; the theme attribute overrides it', async () => {
  for (const scheme of ['light', 'dark']) {
    const page = await open('examples/docs-page.html', { colorScheme: scheme });
    const app0 = page.locator('slotscope-demo').first().locator('.app');
    await app0.waitFor();
    const lum = luminance(await background(app0));
    assert.ok(scheme === 'dark' ? lum < 0.1 : lum > 0.6, `${scheme}: luminance ${lum}`);
    // A widget told otherwise keeps its own theme.
    const other = scheme === 'dark' ? 'light' : 'dark';
    await page.evaluate((theme) => {
      const el = document.createElement('slotscope-demo');
      el.setAttribute('theme', theme);
      el.id = 'forced';
      document.querySelector('article').append(el);
    }, other);
    const forced = page.locator('#forced .app');
    await forced.waitFor();
    const lum2 = luminance(await background(forced));
    assert.ok(other === 'dark' ? lum2 < 0.1 : lum2 > 0.6, `theme=${other} under ${scheme}: luminance ${lum2}`);
    await send(page.locator('#forced')).click();
    await screenshot(page, `embed-docs-${scheme}`);
    assertClean(page);
  }
});

test("widgets follow the host page's own theme (its color-scheme) as it changes", async () => {
  const page = await open('examples/docs-page.html', { colorScheme: 'light' });
  const widget = page.locator('slotscope-demo').first();
  const app0 = widget.locator('.app');
  await app0.waitFor();
  const lum = async () => luminance(await background(app0));
  assert.ok((await lum()) > 0.6, 'light system, no host theme: light');
  // A docs site switching to its dark mode declares it on <html>.
  await page.evaluate(() => (document.documentElement.style.colorScheme = 'dark'));
  await page.waitForFunction(() => document.querySelector('slotscope-demo').getAttribute('data-host-theme') === 'dark');
  assert.ok((await lum()) < 0.1, `dark host page: luminance ${await lum()}`);
  await page.evaluate(() => (document.documentElement.style.colorScheme = ''));
  await page.waitForFunction(() => !document.querySelector('slotscope-demo').hasAttribute('data-host-theme'));
  assert.ok((await lum()) > 0.6, 'back to the system theme');
  // The theme attribute still wins over the host page.
  await page.evaluate(() => {
    document.documentElement.style.colorScheme = 'dark';
    const el = document.createElement('slotscope-demo');
    el.setAttribute('theme', 'light');
    el.id = 'forced';
    document.querySelector('article').append(el);
  });
  const forced = page.locator('#forced .app');
  await forced.waitFor();
  assert.ok(luminance(await background(forced)) > 0.6, 'theme="light" on a dark host page');
  assertClean(page);
});

test('the page itself: ?theme= overrides the system theme, and its background follows', async () => {
  const page = await open('?theme=dark', { colorScheme: 'light' });
  await send(page).waitFor();
  assert.ok(luminance(await background(page.locator('.app'))) < 0.1);
  assert.ok(luminance(await background(page.locator('body'))) < 0.1);
  assertClean(page);
});

/** The iframe snippet from the README's Embedding section, pointed at this server. */
function readmeSnippet(src) {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const block = readme.match(/```html\n(<iframe[\s\S]*?)```/);
  assert.ok(block, 'README has the iframe snippet');
  const lines = block[1].trim().split('\n');
  assert.ok(lines.length <= 6, `the snippet is ${lines.length} lines`);
  return block[1].replace(/src="[^"]*"/, `src="${src}"`);
}

test('iframe mode: no page chrome, fits 320 px, posts its height to the host', async () => {
  const page = await open(null, { viewport: { width: 320, height: 600 } });
  const host = new URL('examples/iframe-host.html', app.url).href;
  // The host page is someone else's: no CSP of ours, only the README's lines.
  await page.route(host, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><meta charset=utf-8><title>host</title><body style="margin:0"><p>Before</p>${readmeSnippet(`${app.url}?embed=1&scenario=ask`)}<p id=after>After</p>`,
    }),
  );
  await page.goto(host, { waitUntil: 'load' });
  const frameEl = page.locator('iframe');
  const frame = page.frameLocator('iframe');
  await send(frame).waitFor();
  const bodyHeight = () => frame.locator('body').evaluate((b) => Math.ceil(b.getBoundingClientRect().height));
  const frameHeight = () => frameEl.evaluate((f) => f.getBoundingClientRect().height);
  await page.waitForFunction(() => parseFloat(document.querySelector('iframe').style.height) > 0);
  assert.equal(await frameHeight(), await bodyHeight(), 'the frame is as tall as its content');
  assert.ok((await frameHeight()) > 600, 'the whole simulation shows, not a 150 px window');
  assert.equal(await frame.locator('h1').count(), 1);
  assert.equal(await frame.locator('h1').isVisible(), false, 'no page title in embed mode');
  assert.equal(await frame.locator('.foot').isVisible(), false);
  const widths = await frame.locator('html').evaluate((h) => [h.scrollWidth, h.clientWidth]);
  assert.equal(widths[1], 320);
  assert.ok(widths[0] <= widths[1], `content ${widths[0]} px wide in a ${widths[1]} px frame`);
  // The content grows as the log fills: the host follows.
  const before = await frameHeight();
  await frame.getByLabel('Speed').selectOption('instant');
  for (let i = 0; i < 3; i++) await send(frame).click();
  await page.waitForFunction((h) => document.querySelector('iframe').getBoundingClientRect().height !== h, before);
  await page.waitForTimeout(200);
  assert.equal(await frameHeight(), await bodyHeight());
  await screenshot(page, 'embed-iframe-320');
  assertClean(page);
});

test('bad attributes: defaults, a dismissible notice, a console warning, and a working widget', async () => {
  const page = await open('examples/docs-page.html');
  await send(page.locator('slotscope-demo').first()).waitFor();
  await page.evaluate(() => {
    const el = document.createElement('slotscope-demo');
    el.id = 'bad';
    for (const [k, v] of [['scenario', 'nope'], ['theme', 'blue'], ['scenaro', 'ask'], ['controls', '<b>all</b>'], ['class', 'fine']])
      el.setAttribute(k, v);
    document.querySelector('article').prepend(el);
  });
  const bad = page.locator('#bad');
  const notices = bad.getByRole('status');
  await notices.waitFor();
  const text = await notices.innerText();
  for (const word of ['nope', 'blue', 'scenaro', '<b>all</b>']) assert.ok(text.includes(word), `notice names ${word}: ${text}`);
  assert.ok(!text.includes('fine'), 'standard HTML attributes are not reported');
  assert.equal(await bad.locator('.notices b').count(), 0, 'attribute values are shown as text');
  for (const name of ['scenario', 'theme', 'scenaro', 'controls'])
    assert.ok(page.warnings.some((w) => w.includes(`"${name}"`)), `a console warning names ${name}`);
  // Still a whole, working widget with the defaults.
  assert.equal(await bad.getByLabel('Scenario').inputValue(), 'moved');
  const count = await entries(bad).count();
  await bad.getByLabel('Speed').selectOption('instant');
  await send(bad).click();
  await page.waitForFunction((n) => document.querySelector('#bad').shadowRoot.querySelectorAll('[data-log-entry]').length > n, count);
  const dismiss = bad.getByRole('button', { name: 'Dismiss' });
  const n = await dismiss.count();
  await dismiss.first().click();
  assert.equal(await dismiss.count(), n - 1);
  // The host page still works around it.
  assert.equal(await page.locator('article > h1').innerText(), 'How a Redis Cluster client finds a key: MOVED and ASK');
  assertClean(page);
});

test('bad display parameters in the address: defaults and notices', async () => {
  const page = await open('?embed=maybe&theme=blue&projector=2&controls=none&scenario=ask');
  await send(page).waitFor();
  const text = await page.getByRole('status').innerText();
  for (const word of ['maybe', 'blue', '"2"', 'none']) assert.ok(text.includes(word), `notice names ${word}: ${text}`);
  for (const name of ['embed', 'theme', 'projector', 'controls'])
    assert.ok(page.warnings.some((w) => w.includes(`"${name}"`)), `a console warning names ${name}`);
  assert.equal(await page.locator('.app').getAttribute('class'), 'app');
  assert.equal(await page.getByLabel('Scenario').inputValue(), 'ask');
  assertClean(page);
});

test('projector mode: large type, high contrast, only the presenter controls', async () => {
  const normal = await open('?scenario=ask');
  await send(normal).waitFor();
  const size = (page) => send(page).evaluate((b) => b.getBoundingClientRect().height);
  const normalSize = await size(normal);
  await normal.close();

  const page = await open('?scenario=ask&projector=1');
  await send(page).waitFor();
  assert.ok((await size(page)) >= normalSize * 1.2, 'larger controls');
  for (const name of ['Step', 'Play', 'Back', 'Forward', 'Reset'])
    assert.ok(await page.getByRole('button', { name, exact: true }).isVisible(), `${name} shows`);
  assert.ok(await page.getByLabel('Scenario').isVisible());
  for (const sel of ['.compare', '.counters', '.slotmap', '.tagline', '.foot'])
    assert.equal(await page.locator(sel).isVisible(), false, `${sel} is hidden`);
  const colors = await page.locator('.app').evaluate((el) => {
    const s = getComputedStyle(el);
    return [s.getPropertyValue('--muted').trim(), s.getPropertyValue('--ink').trim()];
  });
  assert.equal(colors[0], colors[1], 'secondary text as dark as the main text');
  await page.getByLabel('Speed').selectOption('instant');
  await send(page).click();
  await screenshot(page, 'embed-projector');
  assertClean(page);
});
