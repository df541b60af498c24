// Time travel as a person uses it: Back and Forward through recorded steps, and the
// timeline slider by keyboard, landing on exactly the states seen before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, assertNoConsoleErrors, screenshot } from '../lib/harness.mjs';

const app = useApp();
const button = (page, name) => page.getByRole('button', { name, exact: true });
const entries = (page) => page.getByRole('log').locator('[data-log-entry]');
const logText = async (page) => (await entries(page).allTextContents()).join('\n');

test('Back, Forward and the timeline slider revisit the same states', async () => {
  const page = await openApp(app);
  const slider = page.getByLabel(/^Timeline: step/);
  assert.equal(await slider.isDisabled(), true, 'nothing recorded yet');
  await page.getByLabel('Speed').selectOption('instant');
  await button(page, 'Send').click();
  await page.getByRole('log').getByText(/Result: "Ada"/).waitFor();
  const end = await logText(page);
  await page.getByText('Timeline: step 3 of 3').waitFor();
  assert.equal(await button(page, 'Forward').isDisabled(), true);

  await button(page, 'Back').click();
  await page.getByText('Timeline: step 2 of 3').waitFor();
  assert.equal(await button(page, 'Forward').isDisabled(), false);
  await button(page, 'Forward').click();
  await page.getByText('Timeline: step 3 of 3').waitFor();
  assert.equal(await logText(page), end);

  // The slider by keyboard: Home goes to the start, End back to the last step.
  await slider.focus();
  await page.keyboard.press('Home');
  await page.getByText('Timeline: step 0 of 3').waitFor();
  assert.equal(await entries(page).count(), 1);
  // The client's map is as it was before the MOVED: slot 9308 still points at Node 1.
  await page.getByText('stale: really Node 2').waitFor();
  await screenshot(page, 'timeline-start');
  await page.keyboard.press('ArrowRight');
  await page.getByText('Timeline: step 1 of 3').waitFor();
  await page.keyboard.press('End');
  await page.getByText('Timeline: step 3 of 3').waitFor();
  assert.equal(await logText(page), end, 'the same run, step for step');
  await screenshot(page, 'timeline-end');
  assertNoConsoleErrors(page);
  await page.close();
});
