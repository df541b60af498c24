// Sessions as files, as a person uses them: "Save session" downloads the session as JSON,
// "Open a saved session" brings a fresh page (opened at its link) back to exactly that moment, "Save log as text"
// downloads the log, and a file that is not a save file is refused with the reason while
// nothing on the page changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useApp, openApp, openTwoClientSession, waitForApp, assertNoConsoleErrors, screenshot, moment } from '../lib/harness.mjs';

const app = useApp();
const button = (page, name) => page.getByRole('button', { name, exact: true });
const entries = (page) => page.getByRole('log').locator('[data-log-entry]');
const status = (page) => page.getByRole('status').filter({ hasText: /Session|session|file|Log/ });
const refused = (page) => page.getByRole('alert').filter({ hasText: 'The file was refused' });
/** Opens the panel that holds the session files, as a person would. */
const openPanel = (page) => page.getByText('Your own keys, cluster and sessions').click();

/** Clicks `name` and returns the downloaded file's name and text. */
async function download(page, name) {
  const [file] = await Promise.all([page.waitForEvent('download'), button(page, name).click()]);
  const to = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slotscope-')), file.suggestedFilename());
  await file.saveAs(to);
  return { name: file.suggestedFilename(), text: fs.readFileSync(to, 'utf8'), path: to };
}

test('a saved session opens in a fresh page at the same moment; the log saves as text', async () => {
  const page = await openTwoClientSession(app);
  await page.getByRole('log').getByText(/Result:/).nth(1).waitFor();
  await button(page, 'Back').click();
  const before = await moment(page);
  const [, pos, len] = before.timeline.match(/step (\d+) of (\d+)/);
  assert.ok(Number(pos) < Number(len), 'saved in the middle of the timeline');

  await openPanel(page);
  const saved = await download(page, 'Save session');
  assert.equal(saved.name, 'slotscope-session.json');
  const json = JSON.parse(saved.text);
  assert.equal(json.format, 'slotscope-save/1');
  assert.deepEqual(json.origin, { scenario: 'ask', key: '{user:7}:cart', policy: 'jedis', seed: '7' });
  assert.equal(json.position, Number(pos));
  assert.equal(json.ops.length, Number(len), 'every step of the timeline, also the ones after this moment');
  // The file also lists the cluster and the clients at that moment, as the page shows them.
  assert.deepEqual(json.state.clients.map((c) => c.policy), ['jedis', 'go-redis']);
  for (const n of json.state.nodes) assert.ok(before.nodes.includes(n.address), `${n.address} on the page`);
  await status(page).filter({ hasText: 'Session saved as slotscope-session.json.' }).waitFor();

  const log = await download(page, 'Save log as text');
  assert.equal(log.name, 'slotscope-log.txt');
  const lines = log.text.split('\n');
  assert.equal(lines.length, await entries(page).count(), 'one line per entry up to this moment');
  const last = (await entries(page).last().textContent()).replace(/\s+/g, ' ');
  const lastCommand = lines.at(-1).split(' | ')[0].split(': ').slice(1).join(': ');
  assert.ok(last.includes(lastCommand), `${lastCommand} in ${last}`);

  // A fresh page of another scenario opens the file and shows the same moment.
  const fresh = await openApp(app);
  await openPanel(fresh);
  await Promise.all([
    fresh.waitForURL(/[?&]ops=/, { timeout: 30_000 }),
    fresh.getByLabel('Open a saved session').setInputFiles(saved.path),
  ]);
  await waitForApp(fresh);
  assert.deepEqual(await moment(fresh), before);
  assert.equal(await fresh.getByLabel('Key', { exact: true }).inputValue(), 'user:100', 'the key box too');
  // The later steps came too: Forward replays them as in the first page.
  await button(fresh, 'Forward').click();
  await button(page, 'Forward').click();
  assert.deepEqual(await moment(fresh), await moment(page));
  await screenshot(fresh, 'session-opened');

  // Not a save file: refused with the reason, nothing changes.
  const kept = await moment(fresh);
  await openPanel(fresh);
  const bad = path.join(path.dirname(saved.path), 'bad.json');
  fs.writeFileSync(bad, JSON.stringify({ format: 'something-else' }));
  await fresh.getByLabel('Open a saved session').setInputFiles(bad);
  await refused(fresh).filter({ hasText: /The file was refused: not a slotscope save file.*Nothing changed\./ }).waitFor();
  assert.deepEqual(await moment(fresh), kept);
  // A save file whose steps do not fit its scenario: refused, naming the step.
  const broken = path.join(path.dirname(saved.path), 'broken.json');
  fs.writeFileSync(broken, JSON.stringify({ ...json, ops: [['act', 'finish-migration', 1]] }));
  await fresh.getByLabel('Open a saved session').setInputFiles(broken);
  await refused(fresh).filter({ hasText: /The file was refused: step 1/ }).waitFor();
  assert.deepEqual(await moment(fresh), kept);
  assertNoConsoleErrors(page);
  assertNoConsoleErrors(fresh);
  await page.close();
  await fresh.close();
});
