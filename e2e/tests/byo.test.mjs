// "Your own cluster" as a person uses it: paste what a real node printed (CLUSTER NODES in
// redis-cli's output, CLUSTER SHARDS as raw RESP), read the nodes, the migrating slot and the
// loaded cluster's own answer to CLUSTER SLOTS (it must equal the real node's); a bad paste is
// refused with its line and reason and the report stays; a redis-cli -c session replays one
// step at a time, and a step whose recorded reply was altered is marked as differing.
// Expected values come from the golden capture of a real Redis 7.0 cluster
// (SLOTSCOPE_GOLDEN, else ../shared/golden/redis-7.0 beside the repository).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useApp, openApp, assertNoConsoleErrors, screenshot, REPO, SCREENSHOT_DIR, assertNoAxeViolations } from '../lib/harness.mjs';

const app = useApp();
const GOLDEN = process.env.SLOTSCOPE_GOLDEN ?? path.resolve(REPO, '..', 'shared', 'golden', 'redis-7.0');
const golden = (file) => fs.readFileSync(path.join(GOLDEN, file), 'utf8');
const PHASE = 'topology/P2_during_migration';

const TOPOLOGY = 'Topology (CLUSTER NODES, SHARDS or SLOTS output)';
const SESSION = 'Session (redis-cli -c transcript or JSONL script)';
const report = (page) => page.getByRole('region', { name: 'Topology report' });
const replay = (page) => page.getByRole('region', { name: 'Session replay' });
const button = (page, name) => page.getByRole('button', { name, exact: true });
/** Back, Next and Play of the replay (the page has its own Back and Play). */
const nav = (page, name) => replay(page).getByRole('button', { name, exact: true });

/** The nodes of a CLUSTER NODES dump: id, address, slot ranges, migrating slots. */
function nodesOf(text) {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const f = l.trim().split(' ');
      const ranges = f.slice(8).filter((s) => !s.startsWith('[')).map((s) => s.split('-').map(Number));
      const migrating = f
        .slice(8)
        .filter((s) => s.includes('->-'))
        .map((s) => s.slice(1, -1).split('->-'));
      return { id: f[0], addr: f[1].split('@')[0], ranges, migrating };
    });
}

const slotOf = (key) =>
  golden('keyslots.jsonl')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))
    .find((k) => k.key === key).slot;

async function load(page, text) {
  await page.getByLabel(TOPOLOGY).fill(text);
  await button(page, 'Load topology').click();
}

/** The CLUSTER SLOTS answer the report shows, as redis-cli printed it. */
const slotsShown = async (page) =>
  (await report(page).getByRole('figure', { name: /CLUSTER SLOTS sent to/ }).locator('pre').innerText()).trimEnd();

test('pasted CLUSTER NODES and CLUSTER SHARDS output: nodes, migrating slot, CLUSTER SLOTS as the real node answered', async () => {
  const page = await openApp(app);
  await page.getByText('Your own keys, cluster and sessions').click();

  const nodesText = golden(`${PHASE}/7000.cluster_nodes.redis-cli.txt`);
  await load(page, nodesText);
  await report(page).getByText('Recognised CLUSTER NODES output').waitFor({ timeout: 30_000 });
  const nodes = nodesOf(nodesText);
  const moving = nodes.flatMap((n) => n.migrating.map(([slot, to]) => ({ slot, to: nodes.find((m) => m.id === to).addr, from: n.addr })));
  assert.ok(moving.length > 0, 'the golden dump holds a migrating slot');
  for (const m of moving) {
    const row = report(page).getByRole('row').filter({ has: page.getByRole('rowheader', { name: m.from, exact: true }) });
    assert.match(await row.innerText(), new RegExp(`slot ${m.slot} migrating to ${m.to.replace(/\./g, '\\.')}`));
  }
  assert.equal(await report(page).getByRole('row').count(), nodes.length + 1, 'one row per node, plus the header');
  assert.equal(await slotsShown(page), golden(`${PHASE}/7000.cluster_slots.redis-cli.txt`).trimEnd());
  assert.match(await page.getByLabel(TOPOLOGY).inputValue(), /^[0-9a-f]{40} /, 'the paste stays');

  const shards = golden(`${PHASE}/7001.cluster_shards.resp`);
  await load(page, shards);
  await report(page).getByText('Recognised CLUSTER SHARDS output (raw RESP)').waitFor({ timeout: 30_000 });
  assert.equal(await slotsShown(page), golden(`${PHASE}/7001.cluster_slots.redis-cli.txt`).trimEnd());

  // A nodes line with slot 99999: refused with its line and reason; the report stays.
  const lines = nodesText.split('\n').filter((l) => l.trim());
  lines[1] = lines[1].replace(/ \d+-\d+$/, ' 0-99999');
  await load(page, lines.join('\n'));
  const alert = page.getByRole('alert').filter({ hasText: 'Topology refused' });
  await alert.waitFor();
  assert.match(await alert.innerText(), /line 2: .*99999/);
  await report(page).getByText('Recognised CLUSTER SHARDS output (raw RESP)').waitFor();
  assert.equal(await slotsShown(page), golden(`${PHASE}/7001.cluster_slots.redis-cli.txt`).trimEnd());
  assertNoConsoleErrors(page);
  await page.close();
});

for (const colorScheme of ['light', 'dark']) {
  test(`a redis-cli -c session replays step by step; an altered reply is marked (${colorScheme})`, async () => {
    const page = await openApp(app, '', { colorScheme });
    await page.getByText('Your own keys, cluster and sessions').click();
    const nodesText = golden(`${PHASE}/7000.cluster_nodes.redis-cli.txt`);
    await load(page, nodesText);
    await report(page).getByText('Recognised CLUSTER NODES output').waitFor({ timeout: 30_000 });

    // foo's slot as real Redis computed it, and its owner in the pasted topology.
    const slot = slotOf('foo');
    const nodes = nodesOf(nodesText);
    const owner = nodes.find((n) => n.ranges.some(([a, b = a]) => a <= slot && slot <= b)).addr;
    const asked = nodes.find((n) => n.addr !== owner).addr;
    const session = [
      `${asked}> SET foo bar`,
      `-> Redirected to slot [${slot}] located at ${owner}`,
      'OK',
      `${owner}> GET foo`,
      '"bar"',
      '',
    ].join('\n');

    await page.getByLabel(SESSION).fill(session);
    await button(page, 'Replay session').click();
    await replay(page).getByText('Step 1 of 2').waitFor({ timeout: 30_000 });
    await replay(page).getByText('2 steps, 0 differ from the recording.').waitFor();
    assert.match(await replay(page).innerText(), /SET foo bar/);
    assert.match(await replay(page).locator('[aria-current="true"]').innerText(), new RegExp(owner.replace(/\./g, '\\.')));
    assert.equal(await replay(page).getByText('differs from the recording').count(), 0);
    await nav(page, 'Next').click();
    await replay(page).getByText('Step 2 of 2').waitFor();
    assert.match(await replay(page).innerText(), /GET foo/);
    assert.ok(await nav(page, 'Next').isDisabled(), 'Next stops at the last step');

    // The recorded reply altered: that step, and the summary, say it differs.
    await page.getByLabel(SESSION).fill(session.replace('"bar"', '"baz"'));
    await button(page, 'Replay session').click();
    await replay(page).getByText('2 steps, 1 differs from the recording.').waitFor({ timeout: 30_000 });
    assert.equal(await replay(page).getByText('differs from the recording:').count(), 0, 'step 1 is the same');
    await nav(page, 'Next').click();
    await replay(page).getByText('Step 2 of 2').waitFor();
    await replay(page).getByText('This step differs from the recording:').waitFor();
    assert.match(await replay(page).locator('.byo-differs').innerText(), /reply differs: recorded "baz", simulated "bar"$/);
    await replay(page).scrollIntoViewIfNeeded();
    await assertNoAxeViolations(page, `panel open with a report and a replay, ${colorScheme}`);
    await screenshot(page, `byo-${colorScheme}`);
    await page.getByRole('region', { name: 'Your own keys, cluster and sessions' }).screenshot({ path: path.join(SCREENSHOT_DIR, `byo-panel-${colorScheme}.png`) });

    // Play from the first step runs to the last, then offers Play again.
    await nav(page, 'Back').click();
    await replay(page).getByText('Step 1 of 2').waitFor();
    await nav(page, 'Play').click();
    await replay(page).getByText('Step 2 of 2').waitFor({ timeout: 5_000 });
    await nav(page, 'Play').waitFor();

    // A session naming a node the cluster does not have: refused, the replay stays.
    await page.getByLabel(SESSION).fill(`${owner}> GET foo\n127.0.0.1:7999> GET foo\n`);
    await button(page, 'Replay session').click();
    const alert = page.getByRole('alert').filter({ hasText: 'Session refused' });
    await alert.waitFor();
    assert.match(await alert.innerText(), /line 2: no node at 127\.0\.0\.1:7999/);
    await replay(page).getByText('2 steps, 1 differs from the recording.').waitFor();
    assertNoConsoleErrors(page);
    await page.close();
  });
}
