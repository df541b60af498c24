// The key calculator as a person uses it: paste keys, read each key's slot and node, and
// the groups that may go together in one multi-key command; a paste with no key is refused
// with the reason, and what was shown before stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, assertNoConsoleErrors, screenshot } from '../lib/harness.mjs';

const app = useApp();

const result = (page) => page.getByRole('region', { name: 'Key calculator result' });

/** Rows of the table captioned or headed `name`: [[cell, ...], ...]. */
async function rows(page, headerText) {
  const t = result(page).getByRole('table').filter({ has: page.getByRole('columnheader', { name: headerText, exact: true }) });
  return t.getByRole('row').evaluateAll((rs) =>
    rs.filter((r) => r.querySelector('td')).map((r) => [...r.children].map((c) => c.textContent.trim())),
  );
}

test('pasted keys: slots, the node of this cluster that serves each, hash-tag groups', async () => {
  const page = await openApp(app);
  await page.getByText('Your own keys, cluster and sessions').click();
  await page.getByLabel('Keys, one per line').fill('{user:7}:cart\n{user:7}:profile\nuser:100\nuser:101');
  await page.getByRole('button', { name: 'Work out slots' }).click();
  await result(page).waitFor({ timeout: 30_000 });
  await result(page).getByText('4 keys in 3 slots on 2 nodes').waitFor();
  assert.match(await page.getByLabel('Keys, one per line').inputValue(), /^\{user:7\}:cart\n/, 'the paste stays');
  // Slots as real Redis 7.0 computed them (CLUSTER KEYSLOT in ../shared/golden); owners from
  // the MOVED preset's layout (Node 1: 0-5000, Node 2: 5001-16383).
  const each = await rows(page, 'Key');
  assert.deepEqual(
    each.map((r) => r.slice(0, 3)),
    [
      ['{user:7}:cart', '2780', 'Node 1'],
      ['{user:7}:profile', '2780', 'Node 1'],
      ['user:100', '9308', 'Node 2'],
      ['user:101', '13437', 'Node 2'],
    ],
  );
  const groups = await rows(page, 'First keys');
  const tagged = groups.find((r) => r[1] === '2780');
  assert.ok(tagged, JSON.stringify(groups));
  assert.equal(tagged[3], '2', 'the two tagged keys may go together');
  assert.equal(groups.length, 3);
  await result(page).scrollIntoViewIfNeeded();
  await screenshot(page, 'keycalc');

  // Nothing to work on: refused with the reason; the last result stays.
  await page.getByLabel('Keys, one per line').fill('   \n  ');
  await page.getByRole('button', { name: 'Work out slots' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'The keys were refused' });
  await alert.waitFor();
  assert.match(await alert.innerText(), /paste at least one key/);
  await result(page).getByText('4 keys in 3 slots on 2 nodes').waitFor();
  assertNoConsoleErrors(page);
  await page.close();
});

test('owners follow the cluster on the page: in the 16-node preset user:100 is Node 10', async () => {
  const page = await openApp(app, '?scenario=large');
  await page.getByText('Your own keys, cluster and sessions').click();
  await page.getByLabel('Keys, one per line').fill('user:100');
  await page.getByRole('button', { name: 'Work out slots' }).click();
  await result(page).waitFor({ timeout: 30_000 });
  const each = await rows(page, 'Key');
  assert.deepEqual(each[0].slice(0, 3), ['user:100', '9308', 'Node 10']);
  assertNoConsoleErrors(page);
  await page.close();
});
