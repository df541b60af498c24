// The comparison view as a person uses it: open it, choose policies, add a policy file,
// run, read the table and the charts. Also: the page does not download the tools module
// until a person asks for it, and the page stays responsive while the runs go on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, assertNoConsoleErrors, screenshot } from '../lib/harness.mjs';

const app = useApp();

const isTools = (url) => /tools-worker\.js|slotscope-tools/.test(url);

async function openCompare(page) {
  await page.getByText('Compare client policies').click();
  await page.getByRole('button', { name: 'Run comparison' }).waitFor();
}

const table = (page) => page.getByRole('table').filter({ hasText: 'Counters side by side' });

/** The cells of the comparison table's row named `name`, keyed by column header. */
async function row(page, name) {
  const headers = (await table(page).getByRole('columnheader').allTextContents()).map((s) => s.trim());
  const r = table(page).getByRole('row').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
  const cells = (await r.getByRole('cell').allTextContents()).map((s) => s.trim());
  return Object.fromEntries(headers.slice(1).map((h, i) => [h, cells[i]]));
}

const num = (s) => Number(s.replace(/,/g, '').replace(/ ms$/, ''));

test('the page loads without the tools module and fetches it on the first run', async () => {
  const page = await openApp(app);
  const fetched = [];
  page.on('request', (r) => fetched.push(r.url()));
  await page.reload();
  await page.getByRole('button', { name: 'Send', exact: true }).waitFor();
  await page.waitForLoadState('networkidle');
  assert.deepEqual(fetched.filter(isTools), [], 'nothing of the tools module is fetched with the page');

  await openCompare(page);
  await page.waitForTimeout(200);
  assert.deepEqual(fetched.filter(isTools), [], 'opening the view does not fetch it either');
  await page.getByRole('button', { name: 'Run comparison' }).click();
  await table(page).waitFor({ timeout: 30_000 });
  const tools = fetched.filter(isTools).map((u) => new URL(u).pathname);
  assert.ok(tools.includes('/tools-worker.js'), tools.join(' '));
  assert.ok(tools.includes('/slotscope-tools_bg.wasm'), tools.join(' '));

  // The key calculator and the tours use the same worker: the module is not fetched again.
  await page.getByText('Your own keys, cluster and sessions').click();
  await page.getByLabel('Keys, one per line').fill('foo');
  await page.getByRole('button', { name: 'Work out slots' }).click();
  await page.getByRole('region', { name: 'Key calculator result' }).getByText(/1 key/).waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Tours', exact: true }).click();
  await page.locator('#tour-list').getByRole('button').first().click();
  await page.getByRole('region', { name: /^Tour/ }).getByText(/^Step 1 of \d+$/).waitFor({ timeout: 30_000 });
  assert.equal(page.workers().length, 1, 'one tools worker for every panel');
  const wasm = fetched.filter((u) => new URL(u).pathname === '/slotscope-tools_bg.wasm');
  assert.equal(wasm.length, 1, 'the tools module is fetched once');
  assertNoConsoleErrors(page);
  await page.close();
});

test('policies side by side: counters, a proxy baseline and a chart per client', async () => {
  const page = await openApp(app);
  await openCompare(page);
  const box = (name) => page.getByRole('checkbox', { name, exact: true });
  // redis-py, Jedis and go-redis are chosen at first; a fourth fills the view.
  assert.equal(await box('redis-py').isChecked(), true);
  assert.equal(await box('Lettuce').isChecked(), false);
  await box('Lettuce').check();
  await page.getByText('Policies to compare (up to 4; 4 chosen)').waitFor();
  assert.equal(await box('ioredis').isDisabled(), true, 'a fifth policy cannot be chosen');
  await page.getByRole('button', { name: 'Run comparison' }).click();
  await table(page).waitFor({ timeout: 30_000 });
  await page.getByRole('status').filter({ hasText: /Done: the runs took \d+ ms/ }).waitFor();

  const rows = await table(page).getByRole('rowheader').allTextContents();
  assert.deepEqual(
    rows.map((s) => s.trim()),
    ['redis-py', 'Jedis', 'go-redis', 'Lettuce', 'Proxy (one extra hop, no redirects seen by the client)'],
  );
  const py = await row(page, 'redis-py');
  const jedis = await row(page, 'Jedis');
  const lettuce = await row(page, 'Lettuce');
  const proxy = await row(page, 'Proxy (one extra hop, no redirects seen by the client)');
  // During the migration a patch-one-slot client meets MOVED and ASK; Jedis refreshes its
  // whole map on MOVED so it meets fewer; Lettuce never updates on MOVED so it meets more.
  assert.ok(num(py.MOVED) > 0 && num(py.ASK) > 0, JSON.stringify(py));
  assert.ok(num(jedis.Refreshes) > 0, JSON.stringify(jedis));
  assert.ok(num(jedis.MOVED) < num(py.MOVED), `${jedis.MOVED} < ${py.MOVED}`);
  assert.ok(num(lettuce.MOVED) > num(py.MOVED), `${lettuce.MOVED} > ${py.MOVED}`);
  // Every proxied request costs at least two messages; a smart client mostly one.
  assert.ok(num(proxy['Messages per request']) >= 2, JSON.stringify(proxy));
  assert.ok(num(py['Messages per request']) < 1.5, JSON.stringify(py));

  const charts = page.getByRole('img', { name: /message/ });
  assert.equal(await charts.count(), 5);
  const pyChart = await page.getByRole('img', { name: /^redis-py: / }).getAttribute('aria-label');
  assert.match(pyChart, /^redis-py: 1 message: [\d,]+, 2 messages: [\d,]+/);
  await page.getByRole('region', { name: 'Comparison result' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'compare-view');
  assertNoConsoleErrors(page);
  await page.close();
});

test('a policy file joins the comparison; an impossible one is refused and nothing changes', async () => {
  const page = await openApp(app);
  await openCompare(page);
  const file = page.getByLabel(/Add a policy file/);
  await file.setInputFiles({
    name: 'bad.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{\n  "preset": "jedis",\n  "max_sends": -1\n}\n'),
  });
  await page
    .getByRole('alert')
    .filter({ hasText: 'bad.json was refused: max_sends must be a whole number of at least 0, not -1. The policies chosen before stay.' })
    .waitFor();
  await page.getByText('Policies to compare (up to 4; 3 chosen)').waitFor();
  await screenshot(page, 'compare-bad-policy-file');

  await file.setInputFiles({
    name: 'unknown.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"preset": "hiredis"}'),
  });
  await page.getByRole('alert').filter({ hasText: /unknown\.json was refused: unknown preset "hiredis"/ }).waitFor();

  await file.setInputFiles({
    name: 'impatient.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"preset": "redis-py", "max_sends": 1}'),
  });
  await page.getByText('Policy file loaded: redis-py with at most 1 send per request').waitFor();
  await page.getByText('Loaded: impatient.json').waitFor();
  await page.getByText('Policies to compare (up to 4; 4 chosen)').waitFor();
  await page.getByRole('button', { name: 'Run comparison' }).click();
  await table(page).waitFor({ timeout: 30_000 });
  const filed = await row(page, 'redis-py (policy file)');
  const py = await row(page, 'redis-py');
  // One send cannot follow a MOVED or an ASK: those requests end in the library's error.
  assert.ok(num(filed.Errors) > 0, JSON.stringify(filed));
  assert.equal(num(py.Errors), 0, JSON.stringify(py));
  assertNoConsoleErrors(page);
  await page.close();
});

test('the page stays responsive while 10,000 requests run under four policies', async () => {
  const page = await openApp(app);
  await openCompare(page);
  await page.getByRole('checkbox', { name: 'ioredis', exact: true }).check();
  await page.getByLabel('Requests').selectOption('10000');
  // Longest gap between animation frames while the comparison runs.
  await page.evaluate(() => {
    window.__gaps = { max: 0, last: performance.now(), on: true };
    const tick = (t) => {
      const g = window.__gaps;
      g.max = Math.max(g.max, t - g.last);
      g.last = t;
      if (g.on) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.getByRole('button', { name: 'Run comparison' }).click();
  await page.getByRole('status').filter({ hasText: /Done: the runs took (\d+) ms/ }).waitFor({ timeout: 60_000 });
  const status = await page.getByRole('status').filter({ hasText: /Done/ }).textContent();
  const ms = Number(status.match(/took (\d+) ms/)[1]);
  const gap = await page.evaluate(() => ((window.__gaps.on = false), window.__gaps.max));
  assert.equal((await row(page, 'ioredis')).Requests, '10,000');
  assert.ok(gap < 100, `longest frame gap while ${ms} ms of runs went on: ${gap.toFixed(0)} ms`);
  assertNoConsoleErrors(page);
  await page.close();
});
