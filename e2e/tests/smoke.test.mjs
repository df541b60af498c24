// Smoke test: the release bundle loads, renders a heading and logs no errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, assertNoConsoleErrors, screenshot } from '../lib/harness.mjs';

const app = useApp();

test('page loads with a heading and no console errors', async () => {
  const page = await openApp(app);
  assert.match(await page.title(), /^slotscope/);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  const heading = page.getByRole('heading').first();
  await heading.waitFor({ state: 'visible', timeout: 10_000 });
  assert.ok((await heading.textContent()).trim().length > 0, 'heading has text');
  await screenshot(page, 'smoke');
  assertNoConsoleErrors(page);
  await page.close();
});
