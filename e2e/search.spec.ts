/**
 * AutoVP search in the browser: on MNIST with the two bundled MobileNetV2s, FullyMap × 3 scales ×
 * trainable resize on/off = 12 configurations (every one-to-one mapping is excluded: 10 classes
 * need more than the models' 5 source labels). ASHA with 2 epochs at most and a rung after 1; the
 * page is reloaded mid-search and the search resumes from IndexedDB; it finishes with a leaderboard
 * ordered by the accuracies it shows; the winner is trained in full, compared with linear probing
 * on the test images, and its prompt downloads. Tiny data: 30 training and 30 validation images, two batches an epoch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { decodeSafetensors } from '../src/engine/export/safetensors';
import { expect, setNumber, test } from './fixtures';

const workdir = mkdtempSync(join(tmpdir(), 'autovp-search-'));
test.afterAll(() => rmSync(workdir, { recursive: true, force: true }));

async function shot(target: Locator | Page, name: string): Promise<void> {
  const body = await target.screenshot(('goto' in target ? { fullPage: true } : {}) as never);
  await test.info().attach(name, { body, contentType: 'image/png' });
  if (process.env.AUTOVP_SHOTS) writeFileSync(join(process.env.AUTOVP_SHOTS, `${name}.png`), body);
}

async function download(page: Page, testId: string): Promise<{ name: string; path: string }> {
  const waiting = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  const d = await waiting;
  const path = join(workdir, d.suggestedFilename());
  await d.saveAs(path);
  return { name: d.suggestedFilename(), path };
}

/** Validation accuracies the leaderboard shows, top to bottom ('' for trials without an epoch). */
async function shownAccuracies(page: Page): Promise<string[]> {
  return page
    .getByTestId('leaderboard-row')
    .evaluateAll((rows) => rows.map((r) => r.querySelector('td.acc')?.textContent ?? ''));
}

test('an AutoVP search of 12 configurations resumes after a reload, finishes with a winner, trains it and compares it with linear probing', async ({
  page,
}) => {
  test.setTimeout(12 * 60_000);
  const started = Date.now();
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');

  // The data and training settings every trial shares (panel 3).
  await setNumber(page, 'Training images', 30);
  await setNumber(page, 'Validation images', 30);
  await setNumber(page, 'Test images', 30);
  await setNumber(page, 'Batch size', 15);

  await page.getByTestId('search-tab').click();
  const models = page.getByTestId('axis-models');
  // The model of panel 2 (the default, darknet-tiny) is ticked; this search is on the two MobileNetV2s.
  await expect(models.getByRole('checkbox', { name: /^Darknet tiny/ })).toBeChecked();
  // At least one model stays ticked: tick the two MobileNetV2s before unticking darknet-tiny.
  await models.getByRole('checkbox', { name: /^MobileNetV2 \(ImageNet backbone/ }).check();
  await models.getByRole('checkbox', { name: /^MobileNetV2 1\.4 "mid"/ }).check();
  await models.getByRole('checkbox', { name: /^Darknet tiny/ }).uncheck();
  // AutoVP's whole space rather than the default search's (FullyMap, scales 1 and 1.5).
  const mappingAxis = page.getByTestId('axis-mappings');
  for (const family of [/^SemanticMap/, /^FreqMap/, /^IterMap/])
    await mappingAxis.getByRole('checkbox', { name: family }).check();
  await page
    .getByTestId('axis-scales')
    .getByRole('checkbox', { name: /^×0\.5/ })
    .check();
  for (const k of ['k=5', 'k=10']) await page.getByTestId('axis-ks').getByRole('checkbox', { name: k }).check();
  await setNumber(page, 'Maximum epochs', 2);
  await setNumber(page, 'Grace period (epochs)', 1);
  await setNumber(page, 'Final epochs for the winner', 1);
  // Every configuration runs to its end here: no time budget (the default one would cut a slow machine short).
  await setNumber(page, 'Trials’ time budget (min, 0 = none)', 0);
  // The default pool is the size suggested for this device (a 2-core machine: one worker); two trials
  // side by side still finish sooner.
  const workers = await page.getByLabel('Parallel workers', { exact: true }).inputValue();
  await expect(page.getByTestId('pool-hint')).toContainText(`→ ${workers} suggested`);
  await setNumber(page, 'Parallel workers', 2);
  await expect(page.getByTestId('asha-rungs')).toContainText('Rungs after epoch 1');
  // A value outside an axis's range is refused, saying why, and the space stays as it was.
  const scales = page.getByTestId('axis-scales');
  await scales.getByLabel('Another scale', { exact: true }).fill('9');
  await scales.getByRole('button', { name: 'Add another scale' }).click();
  await expect(scales.getByRole('alert')).toHaveText('9 is not added: give a value from 0.1 to 5.');
  await scales.getByLabel('Another scale', { exact: true }).fill('');
  await expect(scales.getByRole('alert')).toHaveCount(0);
  const count = page.getByTestId('trial-count');
  await expect(count).toHaveText(/^12 trials, 108 excluded: 108 need more source labels than the model has/);
  await shot(page.locator('.search-setup'), 'search-setup');

  await page.getByTestId('search-start').click();
  const status = page.getByTestId('search-status');
  await expect(status).toContainText('Running', { timeout: 60_000 });
  const rows = page.getByTestId('leaderboard-row');
  await expect(rows).toHaveCount(12);
  // Curves stream while a trial trains.
  await expect(page.getByTestId('trial-curves')).toBeVisible({ timeout: 180_000 });
  // Two trials have reported an epoch: reload mid-search.
  await expect
    .poll(async () => (await shownAccuracies(page)).filter((a) => a.includes('%')).length, { timeout: 240_000 })
    .toBeGreaterThanOrEqual(2);
  await shot(page.locator('.results'), 'search-running');
  const before = (await shownAccuracies(page)).filter((a) => a.includes('%')).length;
  await page.reload();
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await expect(status).toContainText('This search was interrupted', { timeout: 30_000 });
  // What was reported before the reload is kept.
  expect((await shownAccuracies(page)).filter((a) => a.includes('%')).length).toBeGreaterThanOrEqual(before);
  await shot(page.locator('.results'), 'search-interrupted');
  await page.getByTestId('search-resume').click();
  await expect(status).toContainText('Running', { timeout: 60_000 });
  // Pause holds the trials after their epoch; Resume lets them go on.
  await page.getByTestId('search-pause').click();
  await expect(status).toHaveAttribute('data-status', 'paused');
  await expect(status).toContainText('Paused');
  await page.getByTestId('search-resume').click();
  await expect(status).toHaveAttribute('data-status', 'running');

  // The search finishes; the winner trains (test images, linear probing) as it was asked to.
  await expect(status).toHaveAttribute('data-status', 'finished', { timeout: 8 * 60_000 });
  await expect(status).toHaveAttribute('data-activity', 'training-winner');
  await expect(status).toContainText('Training the winner for 1 epoch');
  const final = page.getByTestId('search-final');
  await expect(final).toBeVisible({ timeout: 4 * 60_000 });
  const searchMinutes = (Date.now() - started) / 60_000;
  await shot(page.locator('.results'), 'search-finished');

  // A correct leaderboard: every configuration ended, ordered by the accuracy it shows.
  await expect(rows).toHaveCount(12);
  const statuses = await rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-status')));
  expect(statuses.every((s) => s === 'completed' || s === 'stopped')).toBe(true);
  expect(statuses.filter((s) => s === 'completed').length).toBeGreaterThanOrEqual(1);
  const values = await rows.evaluateAll((r) => r.map((x) => Number(x.getAttribute('data-val-acc'))));
  for (let i = 1; i < values.length; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
  const shown = (await shownAccuracies(page)).map((a) => parseFloat(a));
  expect(shown).toEqual(values.map((v) => Number((v * 100).toFixed(1))));
  await expect(rows.first()).toHaveClass(/winner/);

  const explanation = page.getByTestId('search-explanation');
  await expect(explanation).toContainText(/^The best design for MNIST, among 2 models, was MobileNetV2/);
  await expect(explanation).toContainText(/validation accuracy after [12] epochs?/);
  await expect(explanation).toContainText('30 validation images');
  await expect(explanation).toContainText(/linear probing on the same images scored/);
  const vpTest = await page.getByTestId('final-vp-test').textContent();
  const lpTest = await page.getByTestId('final-lp-test').textContent();
  expect(vpTest).toMatch(/^\d+\.\d%$/);
  expect(lpTest).toMatch(/^\d+\.\d%$/);

  // Exports: the winner's prompt, the leaderboard, the whole search, the Ray Tune job.
  const prompt = await download(page, 'search-download-prompt');
  expect(prompt.name).toMatch(/\.safetensors$/);
  const st = decodeSafetensors(new Uint8Array(readFileSync(prompt.path)));
  expect(st.tensors.get('prompt')!.shape).toEqual([224, 224, 3]);
  const csv = readFileSync((await download(page, 'search-download-csv')).path, 'utf8')
    .trim()
    .split('\n');
  expect(csv).toHaveLength(13);
  expect(csv[0]).toMatch(/^rank,trial,stage,model,mapping,/);
  const json = JSON.parse(readFileSync((await download(page, 'search-download-json')).path, 'utf8')) as Record<
    string,
    unknown
  >;
  expect(json).toMatchObject({ format: 'autovp-search', state: { status: 'finished' } });
  expect((json.final as { runId: string }).runId).toBeTruthy();
  const ray = await download(page, 'search-download-ray');
  const script = readFileSync(ray.path, 'utf8');
  expect(script).toContain('ASHAScheduler(');
  expect(script).toContain('MAX_T = 2\nGRACE_PERIOD = 1');
  if (existsSync('/usr/bin/python3'))
    expect(spawnSync('/usr/bin/python3', ['-m', 'py_compile', ray.path]).status).toBe(0);

  // The winner's run is in Saved prompts, with its test and linear-probing results.
  await page.getByRole('tab', { name: 'Train one design' }).click();
  await expect(page.getByTestId('runs').getByTestId('run-row')).toHaveCount(1);
  await expect(page.getByTestId('lp-val-accuracy')).toBeVisible();
  // The page's main chunk never loads tfjs (the scheduler runs there; trials run in workers).
  const assets = join(process.env.AUTOVP_DIST ?? 'dist', 'assets');
  const map = readdirSync(assets).find((f) => /^index-.*\.js\.map$/.test(f));
  const sources = (JSON.parse(readFileSync(join(assets, map!), 'utf8')) as { sources: string[] }).sources;
  expect(sources.filter((s) => /@tensorflow/.test(s))).toEqual([]);
  console.log(`search test: ${searchMinutes.toFixed(1)} min to the final result; VP test ${vpTest}, LP test ${lpTest}`);
});

test('one-to-one mappings in a search: SemanticMap, FreqMap and IterMap trials on a 1000-class model', async ({
  page,
}) => {
  // darknet-tiny is bundled (the default model): offline, with its class names for SemanticMap.
  test.setTimeout(8 * 60_000);
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await page.getByRole('radio', { name: /^Fashion-MNIST/ }).check();
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');
  await setNumber(page, 'Training images', 20);
  await setNumber(page, 'Validation images', 20);
  await setNumber(page, 'Batch size', 10);

  await page.getByTestId('search-tab').click();
  const models = page.getByTestId('axis-models');
  await expect(models.getByRole('checkbox', { name: /^Darknet tiny/ })).toBeChecked();
  await expect(models.getByRole('checkbox', { name: /^MobileNetV2 \(ImageNet backbone/ })).not.toBeChecked();
  const mappingAxis = page.getByTestId('axis-mappings');
  for (const family of [/^SemanticMap/, /^FreqMap/, /^IterMap/])
    await mappingAxis.getByRole('checkbox', { name: family }).check();
  await mappingAxis.getByRole('checkbox', { name: /^FullyMap/ }).uncheck();
  for (const scale of [/^×0\.5/, /^×1\.5/])
    await page.getByTestId('axis-scales').getByRole('checkbox', { name: scale }).uncheck();
  await page.getByTestId('axis-resize').getByRole('checkbox', { name: 'on' }).uncheck();
  for (const k of ['k=5', 'k=10']) await page.getByTestId('axis-ks').getByRole('checkbox', { name: k }).uncheck();
  await setNumber(page, 'Maximum epochs', 2);
  await setNumber(page, 'Grace period (epochs)', 1);
  await page.getByRole('checkbox', { name: /^Train the winner as soon as the search finishes/ }).uncheck();
  await expect(page.getByTestId('trial-count')).toHaveText('3 trials.');
  await page.getByTestId('search-start').click();

  const status = page.getByTestId('search-status');
  await expect(status).toHaveAttribute('data-status', 'finished', { timeout: 6 * 60_000 });
  const rows = page.getByTestId('leaderboard-row');
  await expect(rows).toHaveCount(3);
  const statuses = await rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-status')));
  expect(
    statuses.every((st) => st === 'completed' || st === 'stopped'),
    statuses.join(', '),
  ).toBe(true);
  const leaderboard = page.getByTestId('leaderboard');
  for (const words of ['SemanticMap k=1', 'FreqMap k=1', 'IterMap k=1 (every epoch)'])
    await expect(leaderboard).toContainText(words);
  await expect(page.getByTestId('search-explanation')).toContainText(
    /^The best design for Fashion-MNIST was Darknet tiny/,
  );
  await shot(page.locator('.results'), 'search-one-to-one');
});

test('the default search says what it runs and how long, keeps one clock in view, and stops the winner from the search tab', async ({
  page,
}) => {
  test.setTimeout(8 * 60_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await page.getByTestId('search-tab').click();

  // Before Start: the default search on the default model, its size, what it leaves out and its duration.
  const count = page.getByTestId('trial-count');
  await expect(count).toHaveText('4 trials.');
  await expect(page.getByTestId('search-estimate')).toContainText(/^About \d+ min in all \(at most \d+ min if ASHA stops no trial\): the trials/);
  await expect(page.getByTestId('search-start')).toHaveText(/^Start the search \(4 trials, about \d+ min\)$/);
  await expect(page.getByTestId('search-not-searched')).toContainText('Not searched: SemanticMap');
  await page.locator('.search-setup').screenshot({ path: '/tmp/search-setup.png' });
  // The newer prompts join the space: one trial per mapping each (they have no scale or resize).
  const prompts = page.getByTestId('axis-prompts');
  await expect(prompts.getByRole('checkbox', { name: 'padding' })).toBeChecked();
  await prompts.getByRole('checkbox', { name: 'SMM' }).check();
  await prompts.getByRole('checkbox', { name: 'LoR-VP' }).check();
  await expect(count).toHaveText('6 trials.');
  await prompts.getByRole('checkbox', { name: 'SMM' }).uncheck();
  await prompts.getByRole('checkbox', { name: 'LoR-VP' }).uncheck();
  await expect(count).toHaveText('4 trials.');
  // A 5-output model leaves the one-to-one mappings out, says why, and offers the model that runs them.
  const models = page.getByTestId('axis-models');
  await models.getByRole('checkbox', { name: /^MobileNetV2 \(ImageNet backbone/ }).check();
  await models.getByRole('checkbox', { name: /^Darknet tiny/ }).uncheck();
  await page.getByTestId('search-add-mappings').click();
  await expect(count).toContainText('need more source labels than the model has');
  await page.getByTestId('search-switch-model').click();
  await expect(models.getByRole('checkbox', { name: /^Darknet tiny/ })).toBeChecked();
  await expect(count).not.toContainText('excluded');

  // A small search (one trial on tiny data), then a long winner's training to stop from here.
  await page
    .getByTestId('axis-mappings')
    .getByRole('checkbox', { name: /^FullyMap/ })
    .check();
  for (const family of [/^SemanticMap/, /^FreqMap/, /^IterMap/, /^BLM/])
    for (const box of await page.getByTestId('axis-mappings').getByRole('checkbox', { name: family }).all())
      await box.uncheck();
  await page
    .getByTestId('axis-scales')
    .getByRole('checkbox', { name: /^×1\.5/ })
    .uncheck();
  await page.getByTestId('axis-resize').getByRole('checkbox', { name: 'on' }).uncheck();
  await setNumber(page, 'Final epochs for the winner', 30);
  await page.getByRole('tab', { name: 'Train one design' }).click();
  await setNumber(page, 'Training images', 30);
  await setNumber(page, 'Validation images', 30);
  await setNumber(page, 'Test images', 30);
  await setNumber(page, 'Batch size', 15);
  await page.getByTestId('search-tab').click();
  await expect(count).toHaveText('1 trial.');
  await page.getByTestId('search-start').click();

  const status = page.getByTestId('search-status');
  const eta = page.getByTestId('search-eta');
  await expect(eta).toContainText(/About .* left in all/, { timeout: 60_000 });
  await expect(status).toHaveAttribute('data-activity', 'training-winner', { timeout: 4 * 60_000 });
  await expect(status).toContainText('Training the winner for 30 epochs (FullyMap · ×1 · fixed)');
  // Scrolled to the leaderboard, the progress, its clock and Stop are still in view.
  await page.getByTestId('leaderboard').scrollIntoViewIfNeeded();
  await page.mouse.wheel(0, 4000);
  const progress = page.getByTestId('search-progress');
  await expect(progress).toBeInViewport();
  await expect(eta).toContainText(/left in all/);
  await expect(progress.getByRole('progressbar')).toHaveAttribute('aria-valuenow', /^\d+$/);
  const shown = Number(await progress.getByRole('progressbar').getAttribute('aria-valuenow'));
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(100);
  await page.screenshot({ path: '/tmp/search-winner.png' });
  await progress.getByTestId('search-stop-winner').click();
  await expect(page.getByTestId('search-final')).toBeVisible({ timeout: 2 * 60_000 });
  await expect(status).toHaveAttribute('data-activity', 'idle');
  await page.screenshot({ path: '/tmp/search-stopped.png', fullPage: true });
});
