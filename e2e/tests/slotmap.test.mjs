// The map of all 16384 slots as a person uses it: by keyboard (the live line describes the
// slot under the cursor), by pointer (hover describes, two clicks choose a range), and what
// it says about the key's slot and a slot in migration. Every test fails on a console error
// and saves screenshots to target/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { useApp, openApp, assertNoConsoleErrors, screenshot, SCREENSHOT_DIR } from '../lib/harness.mjs';

const app = useApp();

const section = (page) => page.getByRole('region', { name: 'All 16384 slots' });
const map = (page) => page.getByRole('application', { name: 'Slot map' });
const live = (page) => section(page).locator('[aria-live="polite"]');

/** Waits until the live line starts with `text` and returns the whole line. */
async function liveSays(page, text) {
  await page.waitForFunction(
    (t) => document.querySelector('.slotmap [aria-live="polite"]')?.textContent.startsWith(t),
    text,
  );
  return live(page).textContent();
}

/** The slot number the page names as the current key's slot. */
async function keySlot(page) {
  const text = await section(page).getByText("The current key's slot:").textContent();
  return Number(text.match(/slot: (\d+)/)[1]);
}

/** Page coordinates of the centre of `slot` in the drawing (128 slots a row, 40-unit margins of 1360). */
async function slotPoint(page, slot) {
  await map(page).scrollIntoViewIfNeeded();
  const box = await map(page).boundingBox();
  const unit = box.width / 1360;
  return {
    x: box.x + (40 + (slot % 128) * 10 + 5) * unit,
    y: box.y + (40 + Math.floor(slot / 128) * 10 + 5) * unit,
  };
}

async function hover(page, slot) {
  const p = await slotPoint(page, slot);
  await page.mouse.move(p.x, p.y);
}

async function click(page, slot) {
  const p = await slotPoint(page, slot);
  await page.mouse.click(p.x, p.y);
}

test('keyboard: the live line follows the cursor; Enter picks a range, Escape forgets it', async () => {
  const page = await openApp(app, '?scenario=ask');
  const slot = await keySlot(page);
  assert.equal(await live(page).textContent(), 'Point at a slot, or use the arrow keys on the map.');
  assert.equal(await map(page).getAttribute('tabindex'), '0');
  await map(page).focus();
  const scrolled = await page.evaluate(() => window.scrollY);
  // The cursor starts on the key's slot.
  await page.keyboard.press('ArrowRight');
  await liveSays(page, `Slot ${slot + 1}: `);
  await page.keyboard.press('ArrowLeft');
  const line = await liveSays(page, `Slot ${slot}: `);
  assert.match(
    line,
    /^Slot \d+: owned by Node (\d) \(127\.0\.0\.1:700\d\), MIGRATING on Node \1 to Node (\d), IMPORTING on Node \2 from Node \1, 3 keys, the current key's slot$/,
  );
  await page.keyboard.press('Home');
  assert.equal(await liveSays(page, 'Slot 0: '), 'Slot 0: owned by Node 1 (127.0.0.1:7000), stable, 0 keys');
  await page.keyboard.press('PageDown');
  await liveSays(page, 'Slot 1024: ');
  await page.keyboard.press('ArrowDown');
  await liveSays(page, 'Slot 1152: ');
  await page.keyboard.press('End');
  assert.match(await liveSays(page, 'Slot 16383: '), /owned by Node 2 \(127\.0\.0\.1:7001\), stable, 0 keys$/);
  await page.keyboard.press('ArrowUp');
  await liveSays(page, 'Slot 16255: ');
  // The keys moved the cursor, not the page.
  assert.equal(await page.evaluate(() => window.scrollY), scrolled);

  // Enter on the first slot, then on the last: the range is written out, with a Clear button.
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  await section(page).getByText('Chosen range: 0 (click or press Enter on its last slot).').waitFor();
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await section(page).getByText('Chosen range: 0-3.').waitFor();
  await liveSays(page, 'Slot 3: ');
  await page.keyboard.press('Escape');
  await section(page).getByText('Chosen range').waitFor({ state: 'detached' });
  assertNoConsoleErrors(page);
  await page.close();
});

test('pointer: hovering describes a slot, two clicks choose a range, Clear forgets it', async () => {
  const page = await openApp(app, '?scenario=ask');
  const slot = await keySlot(page);
  await hover(page, 9308);
  await liveSays(page, 'Slot 9308: owned by Node 2 (127.0.0.1:7001), stable, ');
  await hover(page, slot);
  assert.match(await liveSays(page, `Slot ${slot}: `), /MIGRATING on/);
  await hover(page, 0);
  await liveSays(page, 'Slot 0: ');

  // The range can be chosen from its end too.
  await click(page, 4999);
  await section(page).getByText('Chosen range: 4999 (click or press Enter on its last slot).').waitFor();
  await click(page, 4000);
  await section(page).getByText('Chosen range: 4000-4999.').waitFor();
  assert.match(await live(page).textContent(), /^Slot 4000: owned by Node 1 \(127\.0\.0\.1:7000\), stable, 0 keys$/);
  await hover(page, 5001);
  assert.match(await liveSays(page, 'Slot 5001: '), /owned by Node 2/);

  // The texts say what the colours and marks show.
  const text = await section(page).textContent();
  assert.match(text, new RegExp(`In migration \\(hatched\\): slot ${slot} from Node \\d to Node \\d\\.`));
  const legend = section(page).getByRole('list', { name: 'Owners' });
  assert.deepEqual(
    (await legend.getByRole('listitem').allTextContents()).map((t) => t.trim()),
    ['Node 1: slots 0-5000', 'Node 2: slots 5001-16383'],
  );
  await screenshot(page, 'slot-map');
  await section(page).screenshot({ path: path.join(SCREENSHOT_DIR, 'slot-map-closeup.png') });

  await section(page).getByRole('button', { name: 'Clear' }).click();
  await section(page).getByText('Chosen range').waitFor({ state: 'detached' });
  assertNoConsoleErrors(page);
  await page.close();
});

test("the MOVED preset: the key's slot is pointed out and no slot is in migration", async () => {
  const page = await openApp(app);
  const slot = await keySlot(page);
  const owner = slot <= 5000 ? 'Node 1' : 'Node 2';
  await section(page).getByText(`The current key's slot: ${slot}, served by ${owner}.`).waitFor();
  assert.equal(await section(page).getByText('In migration').count(), 0);
  // The drawing has a pointer at the key's slot and names both owners inside their areas.
  const svg = map(page).locator('svg');
  assert.equal(await svg.getAttribute('aria-hidden'), 'true');
  assert.equal(await svg.locator('.sm-key circle').count(), 1);
  assert.deepEqual(await svg.locator('text').allTextContents(), ['Node 1', 'Node 2']);
  // Typing another key moves the pointer.
  await page.getByLabel('Key', { exact: true }).fill('foo');
  await section(page).getByText("The current key's slot: 12182, served by Node 2.").waitFor();
  await screenshot(page, 'slot-map-moved');
  assertNoConsoleErrors(page);
  await page.close();
});

test('a range chosen on the map migrates as one action, every command logged; Back undoes it', async () => {
  const page = await openApp(app, '?scenario=moved');
  const legend = section(page).getByRole('list', { name: 'Owners' });
  const owners = async () => (await legend.getByRole('listitem').allTextContents()).map((t) => t.trim());
  await click(page, 9300);
  await click(page, 9310);
  await section(page).getByText('Chosen range: 9300-9310.').waitFor();
  // Node 1 owns none of the range: it offers no move. Node 2, its owner, offers one to Node 1.
  await page.getByRole('button', { name: /^Node 1,/ }).click();
  assert.equal(await page.getByRole('button', { name: /^Migrate slots/ }).count(), 0);
  await page.getByRole('button', { name: 'Close details' }).click();
  await page.getByRole('button', { name: /^Node 2,/ }).click();
  await page.getByRole('button', { name: 'Migrate slots 9300-9310 to Node 1', exact: true }).click();
  await page.getByRole('button', { name: 'Close details' }).click();
  assert.deepEqual(await owners(), ['Node 1: slots 0-5000, 9300-9310', 'Node 2: slots 5001-9299, 9311-16383']);
  // Each slot went through the real commands: IMPORTING, MIGRATING, the keys, NODE everywhere.
  const log = await page.getByRole('log').textContent();
  for (const cmd of ['CLUSTER SETSLOT 9310 IMPORTING', 'CLUSTER SETSLOT 9310 MIGRATING', 'CLUSTER SETSLOT 9310 NODE']) {
    assert.ok(log.includes(cmd), `${cmd} in the log`);
  }
  assert.match(log, /MIGRATE 127\.0\.0\.1 7000 "" 0 \d+ KEYS user:100/);
  await page.waitForURL(/ops=[^&]*h9300-9310-1-0/);
  await screenshot(page, 'slot-range-migrated');
  // One step on the timeline: Back restores the owners.
  await page.getByRole('button', { name: 'Back', exact: true }).click();
  assert.deepEqual(await owners(), ['Node 1: slots 0-5000', 'Node 2: slots 5001-16383']);
  assertNoConsoleErrors(page);
  await page.close();
});
