// Deep links and keyboard shortcuts as a person uses them: the address follows every step,
// opening it reproduces exactly that moment, "Copy link" copies it (or shows it when the
// clipboard is refused), old links open as before, bad parameters fall back with notices,
// and presenter-clicker keys step through the timeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, openTwoClientSession, assertNoConsoleErrors, screenshot, moment } from '../lib/harness.mjs';

const app = useApp();
const button = (page, name) => page.getByRole('button', { name, exact: true });
const entries = (page) => page.getByRole('log').locator('[data-log-entry]');
const logText = async (page) => (await entries(page).allTextContents()).join('\n');
const timelineLabel = (page) => page.locator('label[for="timeline"]').textContent();
const notices = (page) => page.getByRole('status').filter({ hasText: 'Notice' });

/** Waits until the address bar has caught up (it is rewritten a moment after a change). */
async function settledSearch(page) {
  let last = '';
  for (;;) {
    await page.waitForTimeout(400);
    const now = await page.evaluate(() => location.search);
    if (now === last) return now;
    last = now;
  }
}

test('a session with a migration, a second client and several sends reopens exactly', async () => {
  // Two clients have sent requests; then a migration starts from a node's details.
  const page = await openTwoClientSession(app);
  await page.locator('.node').nth(1).click();
  await page.locator('#node-details').getByRole('button', { name: 'Start migrating slot 9308 to Node 1' }).click();
  await page.getByRole('log').getByText(/IMPORTING/).first().waitFor();
  await page.getByLabel('Key', { exact: true }).fill('greeting');
  await button(page, 'Send').click();
  await button(page, 'Back').click();
  await button(page, 'Back').click();
  await page.getByLabel('Key', { exact: true }).fill('typed:but-not-sent');
  await page.getByRole('button', { name: 'Close details' }).click();
  const before = await moment(page);
  assert.match(before.timeline, /^Timeline: step (\d+) of (\d+)$/);
  const search = await settledSearch(page);
  const params = new URLSearchParams(search);
  assert.equal(params.get('scenario'), 'ask');
  assert.equal(params.get('policy'), 'jedis');
  assert.equal(params.get('seed'), '7');
  assert.equal(params.get('input'), 'typed:but-not-sent');
  assert.ok(params.get('ops').length > 10, search);
  assert.match(search, /ops=[A-Za-z0-9.*_-]+&/, 'the steps travel unescaped');
  const [, pos, len] = before.timeline.match(/step (\d+) of (\d+)/);
  assert.equal(params.get('step'), pos);
  assert.ok(Number(pos) < Number(len), 'the link points into the middle of the timeline');
  await screenshot(page, 'link-before');

  const again = await openApp(app, search);
  assert.deepEqual(await moment(again), before);
  assert.equal(await notices(again).count(), 0);
  // The rest of the timeline is there too: Forward replays the same later steps.
  await button(again, 'Forward').click();
  await button(page, 'Forward').click();
  assert.equal(await logText(again), await logText(page));
  await screenshot(again, 'link-after');
  assertNoConsoleErrors(page);
  assertNoConsoleErrors(again);
  await page.close();
  await again.close();
});

test('links from before seeds and steps open exactly as before', async () => {
  const page = await openApp(app, '?scenario=ask&key=%7Border%3A42%7D%3Aitems&policy=jedis');
  assert.equal(await notices(page).count(), 0);
  assert.equal(await page.getByLabel('Key', { exact: true }).inputValue(), '{order:42}:items');
  assert.equal(await timelineLabel(page), 'Timeline: step 0 of 0');
  assert.equal(await entries(page).count(), 1);
  // The same preset opened by hand gives the same state.
  const byHand = await openApp(app);
  await byHand.getByLabel('Scenario').selectOption('ask');
  await byHand.getByLabel('Client policy').selectOption('jedis');
  // (Choosing the policy is a step of its own; the address's policy is the starting one.)
  await byHand.getByLabel('Key', { exact: true }).fill('{order:42}:items');
  await button(byHand, 'Reset').click();
  assert.equal(await page.locator('.nodes').textContent(), await byHand.locator('.nodes').textContent());
  assert.equal(await logText(page), await logText(byHand));
  // Nothing but the old parameters in the address while nothing was done.
  await page.getByLabel('Key', { exact: true }).fill('user:100');
  const search = await settledSearch(page);
  assert.equal(search, '?scenario=ask&key=user:100&policy=jedis');
  assertNoConsoleErrors(page);
  await page.close();
  await byHand.close();
});

test('bad link parameters fall back with a dismissible notice naming each one', async () => {
  const page = await openApp(app, '?ops=guser*100.s.zz&step=x&seed=-1&colour=red');
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.reload();
  await notices(page).first().waitFor();
  const text = await page.locator('.notices').textContent();
  assert.match(text, /"colour" that slotscope does not know/);
  assert.match(text, /seed "-1" is not a whole number/);
  assert.match(text, /steps \("ops"\) could not be read: operation 3 \("zz"\): unknown operation\. Showing the scenario from its start/);
  assert.match(text, /step "x" is not a whole number/);
  for (const p of ['colour', 'seed', 'ops', 'step']) assert.ok(warnings.some((w) => w.includes(`"${p}"`)), p);
  // The page still works: the default scenario from its start.
  assert.equal(await timelineLabel(page), 'Timeline: step 0 of 0');
  await button(page, 'Send').click();
  await page.getByRole('log').getByText(/MOVED/).first().waitFor();
  await screenshot(page, 'link-bad-params');
  const dismiss = page.locator('.notices').getByRole('button', { name: 'Dismiss' });
  const n = await dismiss.count();
  for (let i = 0; i < n; i++) await dismiss.first().click();
  await page.locator('.notices').waitFor({ state: 'detached' });

  // Steps that do not fit the scenario: the ones before are kept, and the step is clamped.
  const p2 = await openApp(app, '?ops=guser*100.s.s.f12&step=40');
  const t2 = await p2.locator('.notices').textContent();
  assert.match(t2, /step 4 cannot be replayed: slot 12 is not being migrated\. Showing the 3 step\(s\) before it/i);
  assert.match(t2, /asks for step 40, but the timeline has 3 step/);
  assert.equal(await timelineLabel(p2), 'Timeline: step 3 of 3');
  assertNoConsoleErrors(page);
  assertNoConsoleErrors(p2);
  await page.close();
  await p2.close();
});

test('Copy link: the clipboard gets the link; when it is refused the link is shown', async () => {
  const page = await openApp(app, '?scenario=moved');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
  await button(page, 'Step').click();
  await button(page, 'Copy link').click();
  await page.getByRole('status').filter({ hasText: 'Link copied.' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(copied.startsWith(app.url), copied);
  assert.match(copied, /[?&]ops=guser\*100\.s&step=2$/);
  const again = await openApp(app, copied.slice(app.url.length));
  assert.equal(await logText(again), await logText(page));
  await again.close();
  await page.close();

  // A browser that refuses: the link appears in a selected text field.
  const refused = await openApp(app);
  await refused.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
  });
  await button(refused, 'Step').click();
  await button(refused, 'Copy link').click();
  const field = refused.getByLabel('Link to this moment');
  await field.waitFor();
  assert.match(await refused.getByRole('status').filter({ hasText: 'did not allow copying' }).textContent(), /box below/);
  assert.equal(await field.evaluate((el) => document.activeElement === el), true);
  assert.equal(await field.evaluate((el) => el.selectionEnd - el.selectionStart), (await field.inputValue()).length);
  assert.match(await field.inputValue(), /ops=guser\*100\.s&step=2$/);
  await screenshot(refused, 'link-refused');
  assertNoConsoleErrors(refused);
  await refused.close();
});

test('presenter keys step forward and back; "." plays; "?" opens the shortcut sheet', async () => {
  const page = await openApp(app);
  await page.locator('h1').click();
  await page.keyboard.press('PageDown');
  await page.getByText('Timeline: step 2 of 2').waitFor(); // Send and the first hop
  await page.keyboard.press('Space');
  await page.getByText('Timeline: step 3 of 3').waitFor();
  const end = await logText(page);
  await page.keyboard.press('PageUp');
  await page.getByText('Timeline: step 2 of 3').waitFor();
  await page.keyboard.press('ArrowLeft');
  await page.getByText('Timeline: step 1 of 3').waitFor();
  // Forward along the recorded timeline (not a new branch).
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('PageDown');
  await page.getByText('Timeline: step 3 of 3').waitFor();
  assert.equal(await logText(page), end);
  // Keys typed into a field stay there.
  const key = page.getByLabel('Key', { exact: true });
  await key.fill('');
  await key.pressSequentially('a.b c?');
  assert.equal(await key.inputValue(), 'a.b c?');
  assert.equal(await timelineLabel(page), 'Timeline: step 3 of 3');
  // '.' toggles Play and Pause.
  await page.locator('h1').click();
  await page.keyboard.press('.');
  await button(page, 'Pause').waitFor();
  await page.keyboard.press('.');
  await button(page, 'Play').waitFor();

  // The shortcut sheet: focus moves in, Escape closes it, focus returns.
  const opener = button(page, 'Keyboard shortcuts');
  await opener.focus();
  await page.keyboard.press('Shift+Slash');
  const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await sheet.waitFor();
  assert.equal(await sheet.evaluate((d) => d.contains(document.activeElement)), true);
  assert.match(await sheet.textContent(), /blank screen/);
  await screenshot(page, 'keys-sheet');
  const behind = await timelineLabel(page);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('PageUp');
  await page.waitForTimeout(200);
  assert.equal(await timelineLabel(page), behind, 'keys do not act behind the sheet');
  await page.keyboard.press('Escape');
  await sheet.waitFor({ state: 'hidden' });
  assert.equal(await opener.evaluate((b) => document.activeElement === b), true, 'focus returns');
  // And by its button, closed with Close.
  await opener.click();
  await sheet.getByRole('button', { name: 'Close' }).click();
  await sheet.waitFor({ state: 'hidden' });
  assertNoConsoleErrors(page);
  await page.close();
});
