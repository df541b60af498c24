// Guided tours as a person takes them: picked from the "Tours" list, walked with Next and
// Back, predictions answered by mouse and keyboard, left for free play and resumed. The
// expected replies are read from the page's own log (the simulation decides), never
// written here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openApp, assertNoConsoleErrors, screenshot } from '../lib/harness.mjs';

const app = useApp();

const TOURS = [
  'MOVED and the slot cache',
  'ASK and resharding',
  'Hash tags, CROSSSLOT and TRYAGAIN',
  'Client policies compared',
];
const CHOICES = ['Served', 'MOVED', 'ASK', 'TRYAGAIN', 'CROSSSLOT'];

const panel = (page) => page.getByRole('region', { name: /^Tour/ });
const inPanel = (page, name) => panel(page).getByRole('button', { name, exact: true });
const caption = (page) => panel(page).locator('.tour-say');
const log = (page) => page.getByRole('log');
const entries = (page) => log(page).locator('li');
const playback = (page) => page.getByRole('group', { name: 'Playback' });
/** The timeline's position ("Timeline: step 4 of 9" gives 4). */
const timeline = async (page) => Number((await page.getByText(/^Timeline: step/).textContent()).match(/step ([\d,]+)/)[1].replace(/,/g, ''));

/** "Step n of m" as [n, m]. */
async function stepOf(page) {
  const text = await panel(page).getByText(/^Step \d+ of \d+$/).textContent();
  const [, n, m] = text.match(/Step (\d+) of (\d+)/);
  return [Number(n), Number(m)];
}

async function waitStep(page, n) {
  await panel(page).getByText(new RegExp(`^Step ${n} of \\d+$`)).waitFor();
}

async function startTour(page, title) {
  const tours = page.getByRole('button', { name: 'Tours', exact: true });
  assert.equal(await tours.getAttribute('aria-expanded'), 'false');
  await tours.click();
  assert.equal(await tours.getAttribute('aria-expanded'), 'true');
  const list = page.locator('#tour-list');
  for (const t of TOURS) await list.getByRole('button', { name: t, exact: true }).waitFor();
  await list.getByRole('button', { name: title, exact: true }).click();
  await panel(page).getByRole('heading', { name: `Tour: ${title}` }).waitFor();
  assert.equal(await tours.getAttribute('aria-expanded'), 'false');
  await waitStep(page, 1);
}

/** The choice a reply's wire text stands for, as the log shows it. */
function kindOf(reply) {
  const m = reply.match(/^-(MOVED|ASK|TRYAGAIN|CROSSSLOT)\b/);
  return m ? m[1] : reply.startsWith('-') ? 'other error' : 'Served';
}

/** The reply the reveal quotes, checked against the newest matching hop in the log. */
async function revealedReply(page) {
  const reveal = caption(page).locator('.reveal');
  const reply = (await reveal.locator('code').textContent()).trim();
  const logText = await log(page).textContent();
  assert.ok(logText.includes(reply), `the log shows the revealed reply ${reply}`);
  return reply;
}

test('every tour: Next to the end, Back at every step restores the caption and the log', async () => {
  const page = await openApp(app);
  for (const title of TOURS) {
    await startTour(page, title);
    const [, m] = await stepOf(page);
    assert.ok(m >= 6, `${title} has ${m} steps`);
    const back = inPanel(page, 'Back');
    const next = inPanel(page, 'Next');
    assert.equal(await back.isDisabled(), true, 'no step before the first');
    assert.equal(await caption(page).getAttribute('aria-live'), 'polite');
    for (let n = 1; n < m; n++) {
      const said = await caption(page).textContent();
      const logged = await entries(page).allTextContents();
      const at = await timeline(page);
      await next.click();
      await waitStep(page, n + 1);
      const now = await caption(page).textContent();
      assert.notEqual(now, said, `${title}: step ${n + 1} has its own caption`);
      assert.notEqual(await timeline(page), at, `${title}: step ${n + 1} moved the timeline`);
      await back.click();
      await waitStep(page, n);
      assert.equal(await caption(page).textContent(), said, `${title}: Back restores step ${n}'s caption`);
      assert.deepEqual(await entries(page).allTextContents(), logged, `${title}: Back restores step ${n}'s log`);
      assert.equal(await timeline(page), at);
      await next.click();
      await waitStep(page, n + 1);
      assert.equal(await caption(page).textContent(), now);
      if (await caption(page).locator('.reveal').count()) await revealedReply(page);
    }
    assert.equal(await next.isDisabled(), true, 'no step after the last');
    assert.doesNotMatch(await log(page).textContent(), /New branch/, 'Back then Next replays the same steps');
    await screenshot(page, `tour-end-${title}`);
  }
  assertNoConsoleErrors(page);
  await page.close();
});

test('predictions: a wrong and a right answer, by mouse and by keyboard, judged by the reply the node gives', async () => {
  const page = await openApp(app);
  await startTour(page, 'ASK and resharding');
  const question = panel(page).getByRole('group', { name: /^Predict:/ });
  await question.waitFor();
  for (const c of CHOICES) await question.getByRole('button', { name: c, exact: true }).waitFor();
  await screenshot(page, 'tour-question');
  // First answer: any choice; the verdict must agree with the reply the log shows.
  await question.getByRole('button', { name: 'CROSSSLOT', exact: true }).click();
  await waitStep(page, 2);
  let reply = await revealedReply(page);
  const right = kindOf(reply);
  assert.ok(CHOICES.includes(right), reply);
  const verdict = caption(page).locator('.tour-verdict');
  assert.equal((await verdict.textContent()).trim(), `${right === 'CROSSSLOT' ? 'Right.' : 'Not this time.'} You said CROSSSLOT.`);
  // The reveal says why, in the core's words, as the log entry does.
  const why = (await caption(page).locator('.reveal').textContent()).split(': ').slice(1).join(': ');
  assert.ok(why.length > 20 && (await log(page).textContent()).includes(why.slice(0, 40)));
  // The focus moved off the vanished answer buttons to the tour's heading.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tour-title');
  // Back, then the right answer by keyboard.
  await inPanel(page, 'Back').click();
  await waitStep(page, 1);
  assert.equal(await caption(page).locator('.tour-verdict').count(), 0);
  await question.getByRole('button', { name: right, exact: true }).focus();
  await page.keyboard.press('Enter');
  await waitStep(page, 2);
  assert.equal(await revealedReply(page), reply, 'the same step gives the same reply');
  assert.equal((await verdict.textContent()).trim(), `Right. You said ${right}.`);
  // Back, then a wrong one by keyboard.
  await inPanel(page, 'Back').click();
  await waitStep(page, 1);
  const wrong = CHOICES.find((c) => c !== right);
  await question.getByRole('button', { name: wrong, exact: true }).focus();
  await page.keyboard.press('Space');
  await waitStep(page, 2);
  assert.equal((await verdict.textContent()).trim(), `Not this time. You said ${wrong}.`);
  // The next question is about a different request: its verdict follows its own reply.
  await question.waitFor();
  await question.getByRole('button', { name: 'ASK', exact: true }).click();
  await waitStep(page, 3);
  reply = await revealedReply(page);
  assert.equal((await verdict.textContent()).trim(), `${kindOf(reply) === 'ASK' ? 'Right.' : 'Not this time.'} You said ASK.`);
  await screenshot(page, 'tour-reveal');
  assertNoConsoleErrors(page);
  await page.close();
});

test('leave for free play, then resume at the same step; moving the timeline away pauses the tour', async () => {
  const page = await openApp(app);
  await startTour(page, 'ASK and resharding');
  for (let n = 2; n <= 4; n++) {
    await inPanel(page, 'Next').click();
    await waitStep(page, n);
  }
  const said = await caption(page).textContent();
  const logged = await entries(page).allTextContents();
  // The form shows the tour's request.
  assert.equal(await page.getByRole('textbox', { name: 'Key', exact: true }).inputValue(), '{user:7}:cart');
  await inPanel(page, 'Leave tour').click();
  await panel(page).getByRole('heading', { name: 'Tour paused: ASK and resharding' }).waitFor();
  assert.match(await panel(page).textContent(), /You left the tour at step 4 of \d+/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tour-title');
  // Free play: another key, sent with the page's own controls.
  await page.getByLabel('Speed').selectOption('instant');
  await page.getByRole('textbox', { name: 'Key', exact: true }).fill('greeting');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await log(page).getByText(/Result: "hello"/).first().waitFor();
  await screenshot(page, 'tour-free-play');
  await inPanel(page, 'Resume tour').click();
  await waitStep(page, 4);
  assert.equal(await caption(page).textContent(), said);
  assert.deepEqual(await entries(page).allTextContents(), logged, 'the log is the tour step\'s again');
  assert.equal(await page.getByRole('textbox', { name: 'Key', exact: true }).inputValue(), '{user:7}:cart');
  await inPanel(page, 'Next').click();
  await waitStep(page, 5);
  // The page's own Back moves the simulation off the tour's step: the tour pauses.
  await playback(page).getByRole('button', { name: 'Back', exact: true }).click();
  await panel(page).getByRole('heading', { name: /^Tour paused/ }).waitFor();
  await inPanel(page, 'Resume tour').click();
  await waitStep(page, 5);
  // Ending the tour removes its panel.
  await inPanel(page, 'Leave tour').click();
  await inPanel(page, 'End tour').click();
  await panel(page).waitFor({ state: 'detached' });
  assertNoConsoleErrors(page);
  await page.close();
});

test('client policies compared: the counters differ as the last caption says', async () => {
  const page = await openApp(app);
  await startTour(page, 'Client policies compared');
  const [, m] = await stepOf(page);
  for (let n = 2; n <= m; n++) {
    await inPanel(page, 'Next').click();
    await waitStep(page, n);
  }
  const tabs = page.getByRole('group', { name: /^Clients/ }).locator('button[aria-pressed]');
  assert.equal(await tabs.count(), 4);
  const counts = [];
  for (let i = 0; i < 4; i++) {
    await tabs.nth(i).click();
    const table = page.getByRole('table', { name: "This client's counters" });
    const cell = async (row) => Number((await table.getByRole('row', { name: new RegExp(`^${row}`) }).getByRole('cell').textContent()).replace(/,/g, ''));
    counts.push({ name: await tabs.nth(i).textContent(), requests: await cell('Requests'), moved: await cell('MOVED'), refreshes: await cell('Refreshes'), hops: await cell('Hops') });
  }
  // "the client without a map gets MOVED every time"; the others learned from their first MOVED.
  const mapless = counts.find((c) => /No slot cache/.test(c.name));
  assert.ok(mapless && mapless.moved === mapless.requests && mapless.requests >= 2, JSON.stringify(counts));
  for (const c of counts.filter((c) => c !== mapless)) assert.ok(c.moved < c.requests, JSON.stringify(c));
  // Jedis and Lettuce fetched the topology, redis-py patched one slot instead.
  assert.ok(counts.find((c) => /Jedis/.test(c.name)).refreshes >= 1);
  assert.equal(counts[0].refreshes, 0);
  await screenshot(page, 'tour-policies');
  assertNoConsoleErrors(page);
  await page.close();
});
