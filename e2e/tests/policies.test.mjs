// Client policies as a person uses them: the policy picker on the client panel, the client's
// counters, and a bad `policy` in the address. Every test fails on a console error and saves
// screenshots to target/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, assertNoConsoleErrors, screenshot } from '../lib/harness.mjs';

const app = useApp();

const button = (page, name) => page.getByRole('button', { name, exact: true });
const picker = (page) => page.getByLabel('Client policy');
const counters = (page) => page.getByRole('table').filter({ hasText: "This client's counters" });

/** The value in the counters table's row named `name`. */
async function counter(page, name) {
  const row = counters(page).getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
  return (await row.getByRole('cell').textContent()).trim();
}

test('the policy picker lists the presets and the counters follow a request', async () => {
  const page = await openApp(app, '?policy=jedis');
  assert.equal(await picker(page).inputValue(), 'jedis');
  const labels = await picker(page).locator('option').allTextContents();
  assert.ok(labels.some((l) => l.startsWith('redis-py (redis-py 8')), labels.join('\n'));
  assert.ok(labels.some((l) => l.startsWith('Jedis (Jedis 5')), labels.join('\n'));
  assert.ok(labels.length >= 10, labels.join('\n'));
  assert.equal(await counter(page, 'Requests'), '0');
  assert.equal(await counter(page, 'Round trips per request'), '0');

  await picker(page).selectOption('redis-py');
  await page.getByLabel('Speed').selectOption('instant');
  await button(page, 'Send').click();
  await page.waitForFunction(() => document.querySelector('table.counters')?.textContent.includes('MOVED1'));
  assert.equal(await counter(page, 'Requests'), '1');
  assert.equal(await counter(page, 'MOVED'), '1');
  // One MOVED: the stale node, then the owner: two round trips for one request.
  assert.equal(await counter(page, 'Round trips per request'), '2.0');
  await screenshot(page, 'policy-picker');
  assertNoConsoleErrors(page);
  await page.close();
});

test('bad input: an unknown policy in the address falls back to redis-py with a notice', async () => {
  const page = await openApp(app, '?policy=nope');
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.reload();
  const notice = page.getByRole('status').filter({ hasText: 'Notice' });
  await notice.getByText(/client policy "nope", which does not exist/).waitFor();
  assert.ok(warnings.some((w) => w.includes('"policy"')), warnings.join('\n'));
  assert.equal(await picker(page).inputValue(), 'redis-py');
  await screenshot(page, 'bad-policy-notice');
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await notice.waitFor({ state: 'detached' });
  assertNoConsoleErrors(page);
  await page.close();
});

const movedCount = (page, n) =>
  page.waitForFunction((n) => document.querySelector('table.counters')?.textContent.includes(`MOVED${n}`), n);

test('two clients: one learns from MOVED while the other keeps hitting the old node', async () => {
  const page = await openApp(app);
  await page.getByLabel('Speed').selectOption('instant');
  // The first client learns slot 9308 (Node 2) from MOVED.
  await button(page, 'Send').click();
  await movedCount(page, 1);
  // A Jedis client joins with an up-to-date map; then slot 9308 moves from Node 2 to Node 1.
  await page.getByLabel("New client's policy").selectOption('jedis');
  await button(page, 'Add client').click();
  await button(page, 'Client 2 (Jedis)').waitFor();
  assert.equal(await button(page, 'Smart client').getAttribute('aria-pressed'), 'true');
  await page.getByRole('button', { name: /^Node 2,/ }).click();
  await button(page, 'Start migrating slot 9308 to Node 1').click();
  await page.getByRole('button', { name: /^Move all keys of slot 9308 to Node 1/ }).click();
  await button(page, 'Finish migration of slot 9308 to Node 1').click();
  await button(page, 'Close details').click();

  // The first client hits Node 2, gets MOVED and learns Node 1.
  await button(page, 'Send').click();
  await movedCount(page, 2);
  assert.match(await page.locator('#key-info').textContent(), /client's map picks Node 1/);
  await screenshot(page, 'two-clients-first-learned');

  // The second client never saw that MOVED: its own map still sends slot 9308 to Node 2.
  await button(page, 'Client 2 (Jedis)').click();
  await page.getByRole('heading', { name: 'Client 2 (Jedis)' }).waitFor();
  assert.equal(await button(page, 'Client 2 (Jedis)').getAttribute('aria-pressed'), 'true');
  assert.equal(await picker(page).inputValue(), 'jedis');
  assert.match(await page.locator('#key-info').textContent(), /client's map picks Node 2/);
  assert.equal(await counter(page, 'MOVED'), '0');
  await button(page, 'Send').click();
  await movedCount(page, 1);
  const log = await page.getByRole('log').textContent();
  assert.match(log, /Client 2 \(Jedis\) → Node 2 \(127\.0\.0\.1:7001\)[^]*MOVED 9308 127\.0\.0\.1:7000/);
  await screenshot(page, 'two-clients-second-hits-old-node');
  assertNoConsoleErrors(page);
  await page.close();
});

test('a client that keeps no slot map shows none: it starts every request at its first node', async () => {
  const page = await openApp(app, '?scenario=moved&key=user:100');
  await picker(page).selectOption('no-cache');
  const client = page.locator('.client');
  await client.getByText('Map: none, each request starts at its first node').waitFor();
  assert.equal(await page.getByRole('region', { name: "The client's slot map" }).count(), 0, 'no map table');
  assert.equal(await button(page, 'Refresh map (CLUSTER SLOTS)').count(), 0, 'nothing to refresh');
  // user:100 lives on Node 2, but this client goes to Node 1 first, every time.
  assert.match(await page.locator('#key-info').textContent(), /client starts at Node 1 · Node 2 really owns it/);
  for (const n of [1, 2]) {
    await button(page, 'Send').click();
    await movedCount(page, n);
  }
  assert.match(await page.locator('#key-info').textContent(), /client starts at Node 1/);
  await screenshot(page, 'no-cache-client');
  assertNoConsoleErrors(page);
  await page.close();
});
