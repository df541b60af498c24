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
