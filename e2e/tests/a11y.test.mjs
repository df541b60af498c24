// Accessibility and comfort: axe-core finds no violations on the page (light and dark, at
// 360 px, with a request played and a node's details open), in embed mode, projector mode and
// the docs example; every control is reachable by Tab with a visible focus; touch targets are
// at least 44 px; a 360 px phone needs no sideways scrolling; reduced motion leaves nothing
// animating; each hop reaches the log's live region as one sentence.
// Served under a sub-path with the strict Content-Security-Policy the embedding tests use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useApp, newPage, waitForApp, assertNoConsoleErrors, screenshot, REPO, assertNoAxeViolations } from '../lib/harness.mjs';

const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; object-src 'none'; base-uri 'none'";
const app = useApp({ base: '/docs/slotscope/', headers: { 'content-security-policy': CSP } });
const DOCS = fs.existsSync(path.join(REPO, 'examples', 'docs-page.html'));

const button = (scope, name) => scope.getByRole('button', { name, exact: true });

async function open(route, options = {}) {
  const page = await newPage(app.browser, options);
  await page.goto(new URL(route, app.url).href, { waitUntil: 'load' });
  if (route.startsWith('examples/')) await page.locator('slotscope-demo').first().waitFor();
  else await waitForApp(page);
  await button(page.locator('body'), 'Send').first().waitFor();
  return page;
}

for (const colorScheme of ['light', 'dark']) {
  test(`axe: the page, a played request and a node's details (${colorScheme})`, async () => {
    const page = await open('', { colorScheme });
    await assertNoAxeViolations(page, `start, ${colorScheme}`);
    await page.getByLabel('Speed').selectOption('instant');
    await button(page, 'Send').click();
    await page.getByRole('log').getByText(/Result:/).first().waitFor();
    await page.locator('.node').first().click();
    await page.locator('#node-details').waitFor();
    await assertNoAxeViolations(page, `after a request, ${colorScheme}`);
    await button(page, 'Keyboard shortcuts').click();
    await page.getByRole('dialog').waitFor();
    await assertNoAxeViolations(page, `shortcut sheet, ${colorScheme}`);
    await page.keyboard.press('Escape');
    // A notice, as a bad address shows it.
    const bad = await open('?scenario=ask&seed=x', { colorScheme });
    await bad.locator('.notices').waitFor();
    await assertNoAxeViolations(bad, `a notice, ${colorScheme}`);
    assertNoConsoleErrors(page);
    assertNoConsoleErrors(bad);
    await page.close();
    await bad.close();
  });

  test(`axe and layout on a 360 px phone (${colorScheme})`, async () => {
    const page = await open('?scenario=ask', { colorScheme, viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
    await button(page, 'Step').click();
    await assertNoAxeViolations(page, `360 px, ${colorScheme}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scrolling at 360 px (overflow ${overflow} px)`);
    // Every control a finger uses is at least 44 x 44 px.
    const small = await page.evaluate(() =>
      [...document.querySelectorAll('button, select, input, [role="button"]')]
        .filter((el) => el.checkVisibility())
        .map((el) => ({ el, r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.height < 44 || r.width < 44)
        .map(({ el, r }) => `${el.tagName} "${el.getAttribute('aria-label') ?? el.textContent.trim().slice(0, 30) ?? el.id}" ${Math.round(r.width)}x${Math.round(r.height)}`),
    );
    assert.deepEqual(small, [], 'touch targets under 44 px');
    await screenshot(page, `a11y-360-${colorScheme}`);
    assertNoConsoleErrors(page);
    await page.close();
  });

  test(`axe: embed and projector modes (${colorScheme})`, async () => {
    for (const route of ['?embed=1&scenario=ask', '?projector=1', '?embed=1&controls=minimal']) {
      const page = await open(route, { colorScheme });
      // An embedded frame is part of its host page, which has the level-one heading.
      const skip = route.includes('embed=1') ? ['page-has-heading-one'] : [];
      await assertNoAxeViolations(page, `${route}, ${colorScheme}`, skip);
      await page.getByLabel('Speed').selectOption('instant');
      await button(page, 'Send').click();
      await page.getByRole('log').getByText(/Result:/).first().waitFor();
      await assertNoAxeViolations(page, `${route} after a request, ${colorScheme}`, skip);
      await screenshot(page, `a11y-${route.replace(/\W+/g, '-')}-${colorScheme}`);
      assertNoConsoleErrors(page);
      await page.close();
    }
  });

  test(`axe: the docs example (${colorScheme})`, { skip: !DOCS && 'examples/docs-page.html is not there' }, async () => {
    const page = await open('examples/docs-page.html', { colorScheme });
    await page.waitForFunction(() =>
      [...document.querySelectorAll('slotscope-demo')].every((d) => d.shadowRoot?.querySelector('button')),
    );
    await assertNoAxeViolations(page, `docs example, ${colorScheme}`);
    await screenshot(page, `a11y-docs-${colorScheme}`);
    assertNoConsoleErrors(page);
    await page.close();
  });
}

test('every control is reachable by Tab, and focus is always visible', async () => {
  const page = await open('?scenario=ask');
  await page.locator('.node').first().click(); // the details panel adds more controls
  await page.locator('#node-details').waitFor();
  await page.evaluate(() => document.activeElement?.blur());
  const reached = new Set();
  const invisible = [];
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
      const id = el.id || el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40) || el.tagName;
      el.dataset.tabbed = '1';
      return { id, outline, visible: el.matches(':focus-visible') };
    });
    if (!info) continue;
    if (reached.has(info.id) && reached.size > 5) break;
    reached.add(info.id);
    if (!info.outline || !info.visible) invisible.push(info.id);
  }
  assert.deepEqual(invisible, [], 'focused without a visible outline');
  const missed = await page.evaluate(() =>
    [...document.querySelectorAll('button:not([disabled]), select, input:not([disabled]), [tabindex="0"], a[href]')]
      .filter((el) => el.checkVisibility() && !el.closest('dialog') && !el.dataset.tabbed)
      .map((el) => el.id || el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40)),
  );
  assert.deepEqual(missed, [], 'controls Tab never reaches');
  assert.ok(reached.size > 20, `${reached.size} controls reached`);
  // Node buttons work from the keyboard.
  const node = page.locator('.node').nth(1);
  await node.focus();
  await page.keyboard.press('Enter');
  assert.equal(await node.getAttribute('aria-expanded'), 'true');
  assertNoConsoleErrors(page);
  await page.close();
});

test('each hop reaches the live log as one sentence', async () => {
  const page = await open('');
  const log = page.getByRole('log');
  assert.equal(await log.getAttribute('aria-live'), 'polite');
  for (let i = 0; i < 2; i++) await button(page, 'Step').click();
  await page.getByText('Timeline: step 3 of 3').waitFor();
  // What a screen reader reads of each hop: the sentence, then the explanation.
  const hops = await log.locator('li.hop').evaluateAll((items) =>
    items.map((li) => {
      const shown = [...li.children].filter((c) => c.getAttribute('aria-hidden') !== 'true');
      return { sentence: shown[0].textContent, rest: shown.slice(1).map((c) => c.className) };
    }),
  );
  assert.equal(hops.length, 2);
  assert.equal(
    hops[0].sentence,
    'Smart client sent GET user:100 to Node 1 (127.0.0.1:7000) and got MOVED 9308 127.0.0.1:7001, and the client updated its map for slot 9308.',
  );
  assert.equal(hops[1].sentence, 'Smart client sent GET user:100 to Node 2 (127.0.0.1:7001) and got Ada.');
  for (const h of hops) assert.deepEqual(h.rest, ['why']);
  assertNoConsoleErrors(page);
  await page.close();
});

test('reduced motion: every hop appears at once, nothing animates', async () => {
  const running = async (reducedMotion) => {
    const page = await open('', { reducedMotion });
    await button(page, 'Step').click();
    await page.locator('.pill.out').waitFor({ state: 'attached' });
    const n = await page.evaluate(() => document.getAnimations().filter((a) => a.playState === 'running').length);
    const pill = await page.locator('.pill.back').evaluate((p) => getComputedStyle(p).opacity);
    await page.close();
    return { n, pill };
  };
  const normal = await running('no-preference');
  assert.ok(normal.n > 0, 'the message animates normally');
  const reduced = await running('reduce');
  assert.equal(reduced.n, 0, 'nothing animates under prefers-reduced-motion');
  assert.equal(reduced.pill, '1', 'the reply shows at once');
});
