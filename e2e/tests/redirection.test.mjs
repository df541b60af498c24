// The redirection flow as a person uses it: clicking and typing, found by roles and labels.
// Covers the MOVED and ASK paths, playback (Step, Back, Reset, Play/Pause), node details and
// operator actions (by keyboard too), URL presets and bad input. Every test fails on a
// console error and saves screenshots to target/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, assertNoConsoleErrors, screenshot } from '../lib/harness.mjs';

const app = useApp();

const keyBox = (page) => page.getByRole('textbox', { name: 'Key', exact: true });
const button = (page, name) => page.getByRole('button', { name, exact: true });
const node = (page, n) => page.getByRole('button', { name: new RegExp(`^Node ${n},`) });
const log = (page) => page.getByRole('log');
const logText = async (page) => (await log(page).textContent()) ?? '';
const entries = (page) => log(page).locator('li');
const mapTable = (page) => page.getByRole('table').filter({ hasText: "The client's slot map" });

/** Waits until the log contains `text` (or matches a RegExp). */
async function logShows(page, text, timeout = 10_000) {
  await log(page).getByText(text).first().waitFor({ timeout });
}

async function waitIdle(page, timeout = 10_000) {
  await page.locator('.next-hop').waitFor({ state: 'detached', timeout });
}

async function chooseSpeed(page, speed) {
  await page.getByLabel('Speed').selectOption(speed);
}

/** The log entries after index `from`, as text. */
async function entriesFrom(page, from) {
  const all = await entries(page).allTextContents();
  return all.slice(from);
}

test('default view: the seed picture, done right', async () => {
  const page = await openApp(app);
  await page.getByRole('heading', { name: 'slotscope' }).waitFor();
  await page.getByText('Map: outdated').waitFor();
  assert.match(await node(page, 1).getAttribute('aria-label'), /^Node 1, 127\.0\.0\.1:7000, slots 0-5000/);
  assert.match(await node(page, 2).getAttribute('aria-label'), /^Node 2, 127\.0\.0\.1:7001, slots 5001-16383/);
  assert.equal(await log(page).getAttribute('aria-live'), 'polite');
  assert.equal((await entries(page).first().textContent()).trim(), 'Ready to send request.');
  assert.equal(await keyBox(page).inputValue(), 'user:100');
  for (const lesson of ['No proxies.', 'MOVED = permanent.', 'ASK = temporary.']) {
    await page.getByText(lesson).waitFor();
  }
  // The key panel computes the slot live from the core.
  const info = page.locator('#key-info');
  assert.match(await info.textContent(), /slot = CRC16 mod 16384 = 9308/);
  assert.match(await info.textContent(), /client's map picks Node 1/);
  assert.match(await info.textContent(), /Node 2 really owns it/);
  // The client's map still believes Node 1 owns everything; stale entries say so in words.
  assert.match(await mapTable(page).textContent(), /stale: really Node 2/);
  for (const name of ['Send', 'Step', 'Play', 'Back', 'Reset', 'Refresh map (CLUSTER SLOTS)']) {
    await button(page, name).waitFor();
  }
  await screenshot(page, 'default');
  assertNoConsoleErrors(page);
  await page.close();
});

test('MOVED path: Send follows the redirection, patches the map, then goes straight to the owner', async () => {
  const page = await openApp(app);
  await chooseSpeed(page, '4x');
  await keyBox(page).fill('user:100');
  await button(page, 'Send').click();
  await logShows(page, '-MOVED 9308 127.0.0.1:7001');
  await screenshot(page, 'moved-first-hop');
  await logShows(page, /Result: "Ada"/);
  const text = await logText(page);
  assert.match(text, /Smart client → Node 1 \(127\.0\.0\.1:7000\): GET user:100/);
  assert.match(text, /slot 9308 in its map|its map \(slot 9308 -> Node 2\)/);
  assert.match(text, /Smart client → Node 2 \(127\.0\.0\.1:7001\): GET user:100/);
  assert.match(text, /\$3\\r\\nAda\\r\\n/);
  // The map entry for 9308 changed and is highlighted in words.
  const row = mapTable(page).getByRole('row').filter({ hasText: /^9308/ });
  await row.waitFor();
  assert.match(await row.textContent(), /Node 2/);
  assert.match(await row.textContent(), /changed by the last MOVED/);
  // One patched slot does not make the whole map right.
  await page.getByText('Map: outdated').waitFor();
  await screenshot(page, 'moved-done');

  // Sending again goes straight to Node 2: one hop, no MOVED.
  const before = await entries(page).count();
  await button(page, 'Send').click();
  await waitIdle(page);
  await logShows(page, /sent once/);
  const fresh = (await entriesFrom(page, before)).join('\n');
  assert.match(fresh, /Smart client → Node 2 \(127\.0\.0\.1:7001\): GET user:100/);
  assert.doesNotMatch(fresh, /MOVED/);
  await page.getByText('Map: outdated').waitFor();

  // Only a full refresh brings the map up to date.
  await button(page, 'Refresh map (CLUSTER SLOTS)').click();
  await page.getByText('Map: up to date').waitFor();
  await logShows(page, 'CLUSTER SLOTS');
  assert.doesNotMatch(await mapTable(page).textContent(), /stale/);
  await screenshot(page, 'moved-refreshed');
  assertNoConsoleErrors(page);
  await page.close();
});

test('ASK path: ASKING then the command at the target, and the map is not updated', async () => {
  const page = await openApp(app, '?scenario=ask');
  assert.equal(await page.getByLabel('Scenario').inputValue(), 'ask');
  assert.equal(await keyBox(page).inputValue(), '{user:7}:cart');
  await page.getByText('Map: up to date').waitFor();
  assert.match(await node(page, 1).getAttribute('aria-label'), /migrating slot 2780 to Node 2/);
  assert.match(await node(page, 2).getAttribute('aria-label'), /importing slot 2780 from Node 1/);
  await chooseSpeed(page, '4x');
  await button(page, 'Send').click();
  await logShows(page, '-ASK 2780 127.0.0.1:7001');
  await screenshot(page, 'ask-first-hop');
  await logShows(page, /Result: "3 items"/);
  const text = await logText(page);
  assert.match(text, /Smart client → Node 2 \(127\.0\.0\.1:7001\): ASKING/);
  assert.match(text, /leaves its map alone|does NOT update its map/);
  await page.getByText('Map: up to date').waitFor();
  assert.equal(await mapTable(page).getByText('changed by the last MOVED').count(), 0);
  await screenshot(page, 'ask-done');

  // Sending again hits the source first again: ASK is not remembered.
  const before = await entries(page).count();
  await button(page, 'Send').click();
  await waitIdle(page);
  await logShows(page, /sent 2 times/);
  const fresh = await entriesFrom(page, before);
  assert.match(fresh[0], /Smart client → Node 1 \(127\.0\.0\.1:7000\): GET \{user:7\}:cart/);
  assert.match(fresh[0], /-ASK 2780/);
  assertNoConsoleErrors(page);
  await page.close();
});

test('Step, Back, Reset, Play and Pause', async () => {
  const page = await openApp(app);
  assert.equal(await button(page, 'Back').isDisabled(), true);
  // Step with nothing in flight starts the form's request and plays its first hop.
  await button(page, 'Step').click();
  await logShows(page, '-MOVED 9308');
  assert.equal(await entries(page).count(), 2);
  await page.getByText(/Next hop: GET user:100 to Node 2/).waitFor();
  await screenshot(page, 'step-one-hop');
  // Back undoes that hop; Back again undoes the start of the request.
  await button(page, 'Back').click();
  assert.equal(await entries(page).count(), 1);
  await page.getByText(/Next hop: GET user:100 to Node 1/).waitFor();
  await button(page, 'Back').click();
  await page.locator('.next-hop').waitFor({ state: 'detached' });
  assert.equal(await button(page, 'Back').isDisabled(), true);
  // Two steps: the MOVED hop, then the retry at the owner that ends the request. Acting
  // after going back starts a new branch, and the log says the old future was dropped.
  await button(page, 'Step').click();
  await logShows(page, 'New branch from step 0: the 2 later step(s) of the old timeline were dropped.');
  await button(page, 'Step').click();
  await logShows(page, /Result: "Ada"/);
  assert.equal(await entries(page).count(), 5);
  // Reset: a fresh preset, the log back to its first line.
  await button(page, 'Reset').click();
  assert.equal(await entries(page).count(), 1);
  await page.getByText('Map: outdated').waitFor();

  // Play at the slowest speed, pause right away: the request stops mid-way.
  await chooseSpeed(page, '0.25x');
  await button(page, 'Play').click();
  await button(page, 'Pause').waitFor();
  await logShows(page, '-MOVED 9308');
  await screenshot(page, 'playing');
  await button(page, 'Pause').click();
  await button(page, 'Play').waitFor();
  await page.waitForTimeout(2500);
  assert.equal(await entries(page).count(), 2, 'paused: no further hop');
  await page.getByText(/Next hop: GET user:100 to Node 2/).waitFor();
  // Play again finishes it.
  await chooseSpeed(page, '4x');
  await button(page, 'Play').click();
  await logShows(page, /Result: "Ada"/);
  await button(page, 'Play').waitFor();
  assertNoConsoleErrors(page);
  await page.close();
});

test('node details and operator actions, by keyboard: migrate a slot from Node 1 to Node 2', async () => {
  const page = await openApp(app);
  await keyBox(page).fill('{user:7}:cart');
  assert.match(await page.locator('#key-info').textContent(), /= 2780/);
  // Reset rebuilds the preset around the key in the box (the key now lives on Node 1).
  await button(page, 'Reset').click();
  // Open Node 1 with the keyboard.
  await node(page, 1).focus();
  await page.keyboard.press('Enter');
  const details = page.getByRole('region', { name: /Node 1 \(127\.0\.0\.1:7000\)/ });
  await details.waitFor();
  assert.equal(await node(page, 1).getAttribute('aria-expanded'), 'true');
  assert.match(await details.textContent(), /Slots it serves \(its own view\)0-5000/);
  assert.match(await details.textContent(), /\{user:7\}:cart/);
  await screenshot(page, 'node-details');

  // Start migrating the key's slot: Tab to the action, press Enter.
  const start = details.getByRole('button', { name: 'Start migrating slot 2780 to Node 2' });
  await start.focus();
  await page.keyboard.press('Enter');
  await logShows(page, /CLUSTER SETSLOT 2780 IMPORTING/);
  await logShows(page, /CLUSTER SETSLOT 2780 MIGRATING/);
  assert.match(await node(page, 1).getAttribute('aria-label'), /migrating slot 2780 to Node 2/);
  // Finishing is refused while keys are left, and says why.
  const finish = details.getByRole('button', { name: 'Finish migration of slot 2780 to Node 2' });
  assert.equal(await finish.isDisabled(), true);
  await details.getByText(/Not now: move the 1 remaining key/).waitFor();
  await screenshot(page, 'migration-started');

  // Move all keys (Space on the button), then finish.
  const moveAll = details.getByRole('button', { name: /^Move all keys of slot 2780 to Node 2/ });
  await moveAll.focus();
  await page.keyboard.press('Space');
  await logShows(page, /MIGRATE 127\.0\.0\.1 7001/);
  assert.equal(await finish.isDisabled(), false);
  await finish.focus();
  await page.keyboard.press('Enter');
  await logShows(page, /CLUSTER SETSLOT 2780 NODE/);
  assert.match(await node(page, 2).getAttribute('aria-label'), /slots 2780, 5001-16383/);
  assert.match(await node(page, 1).getAttribute('aria-label'), /slots 0-2779, 2781-5000/);
  assert.match(await page.locator('#key-info').textContent(), /Node 2 really owns it/);
  await screenshot(page, 'migration-finished');

  // The client learns it the usual way: MOVED.
  await chooseSpeed(page, 'instant');
  await button(page, 'Send').click();
  await logShows(page, '-MOVED 2780 127.0.0.1:7001');
  // Close the details: focus goes back to the node.
  await details.getByRole('button', { name: 'Close details' }).click();
  await details.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')?.slice(0, 6)), 'Node 1');
  assertNoConsoleErrors(page);
  await page.close();
});

test('URL presets: a key from the address, and a bad scenario falls back with a notice', async () => {
  let page = await openApp(app, '?scenario=moved&key=%7Border%3A42%7D%3Aitems');
  assert.equal(await keyBox(page).inputValue(), '{order:42}:items');
  assert.equal(await page.locator('#key-info .keytext mark').textContent(), 'order:42');
  assertNoConsoleErrors(page);
  await page.close();

  page = await openApp(app, '?scenario=nope&key=user:100');
  const notice = page.getByRole('status').filter({ hasText: 'Notice' });
  await notice.getByText(/scenario "nope", which does not exist/).waitFor();
  assert.equal(await page.getByLabel('Scenario').inputValue(), 'moved');
  await page.getByText('Map: outdated').waitFor();
  await screenshot(page, 'bad-url-notice');
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await notice.waitFor({ state: 'detached' });
  // The address follows the scenario picker.
  await page.getByLabel('Scenario').selectOption('ask');
  await page.waitForFunction(() => location.search.includes('scenario=ask'));
  assert.equal(await keyBox(page).inputValue(), '{user:7}:cart');
  assertNoConsoleErrors(page);
  await page.close();
});

test('the bad-parameter warning names the parameter in the console', async () => {
  const page = await openApp(app, '?scenario=%3Cb%3E');
  // The warning fired during start-up; reload with a listener attached.
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.reload();
  await page.getByRole('status').waitFor();
  assert.ok(warnings.some((w) => w.includes('"scenario"')), warnings.join('\n'));
  assert.match(await page.getByRole('status').textContent(), /scenario "<b>"/);
  assertNoConsoleErrors(page);
  await page.close();
});

test('bad input: an over-long key is refused with a message, <script> is shown as text', async () => {
  const page = await openApp(app);
  const long = 'k'.repeat(64 * 1024 + 1);
  await keyBox(page).fill(long);
  await page.getByText(/This key is 65,537 bytes long/).waitFor();
  await button(page, 'Send').click();
  const alert = page.getByRole('alert');
  await alert.getByText(/65537 bytes long; keys up to 65536 bytes \(64 KiB\)/).waitFor();
  assert.equal(await entries(page).count(), 1, 'state intact: nothing sent');
  await screenshot(page, 'key-too-long');

  // A key of exactly 64 KiB is fine.
  await keyBox(page).fill('k'.repeat(64 * 1024));
  await chooseSpeed(page, 'instant');
  await button(page, 'Send').click();
  await logShows(page, /Result:/);

  const evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
  await keyBox(page).fill(evil);
  await page.locator('#key-info').getByText(evil).waitFor();
  await button(page, 'Send').click();
  await logShows(page, '<script>window.__pwned = 1</script>');
  assert.equal(await page.evaluate(() => window.__pwned ?? null), null);
  assert.equal(await page.locator('main script, main img').count(), 0);

  // Empty and Unicode keys are keys too.
  await keyBox(page).fill('');
  await page.locator('#key-info').getByText('slot = CRC16 mod 16384 = 0').waitFor();
  await keyBox(page).fill('ключ:🔑');
  await button(page, 'Send').click();
  await logShows(page, /GET ключ:🔑/);
  await screenshot(page, 'odd-keys');
  assertNoConsoleErrors(page);
  await page.close();
});

test('small screens, dark theme and reduced motion', async () => {
  const page = await openApp(app, '', { viewport: { width: 360, height: 740 }, colorScheme: 'dark', reducedMotion: 'reduce' });
  await page.getByText('Map: outdated').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 360 px (overflow ${overflow} px)`);
  // Touch targets: every button on screen at least 44 px tall and wide.
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('button, select, input')]
      .filter((b) => b.checkVisibility())
      .map((b) => [b.getAttribute('aria-label') ?? b.textContent ?? b.id, b.getBoundingClientRect()])
      .filter(([, r]) => r.width < 44 || r.height < 44)
      .map(([n, r]) => `${n.trim().slice(0, 30)} ${r.width}x${r.height}`),
  );
  assert.deepEqual(small, []);
  await chooseSpeed(page, '4x');
  await button(page, 'Send').click();
  await logShows(page, /Result: "Ada"/);
  await screenshot(page, 'narrow-dark');
  assertNoConsoleErrors(page);
  await page.close();
});
