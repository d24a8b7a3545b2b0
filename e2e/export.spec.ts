/**
 * The prompt leaves the browser and comes back: a run trained on MNIST is kept in the saved
 * prompts (also after a reload), downloads as .safetensors / PNG / .npy / report / charts, loads
 * back (picked and dropped) and predicts exactly what the original predicts, evaluates to the
 * test accuracy the run reported, continues training, and tampered or foreign files are refused
 * with nothing stored. Image fixtures are written at run time from the MNIST test split.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { decodeSafetensors, encodeSafetensors } from '../src/engine/export/safetensors';
import { expect, setNumber, test } from './fixtures';

const workdir = mkdtempSync(join(tmpdir(), 'autovp-export-'));
test.afterAll(() => rmSync(workdir, { recursive: true, force: true }));

/** The first n MNIST test digits as 28×28 PNG files. */
function digitFiles(n: number): string[] {
  const pixels = readFileSync(new URL('../public/generated/datasets/mnist/test-images.u8', import.meta.url));
  return Array.from({ length: n }, (_, i) => {
    const p = new PNG({ width: 28, height: 28 });
    for (let k = 0; k < 28 * 28; k++)
      p.data.set([pixels[i * 784 + k]!, pixels[i * 784 + k]!, pixels[i * 784 + k]!, 255], k * 4);
    const file = join(workdir, `digit-${i}.png`);
    writeFileSync(file, PNG.sync.write(p));
    return file;
  });
}

const clickDownload = async (page: Page, row: Locator, label: string) => {
  await row.locator('.downloads summary').click();
  const waiting = page.waitForEvent('download');
  await row.getByRole('button', { name: label }).click();
  const d = await waiting;
  const path = join(workdir, d.suggestedFilename());
  await d.saveAs(path);
  if (process.env.AUTOVP_SHOTS) await d.saveAs(join(process.env.AUTOVP_SHOTS, d.suggestedFilename()));
  await expect(row.locator('.downloads-menu')).toBeHidden();
  return { name: d.suggestedFilename(), path };
};

/** Top-1 class and its probability text of every prediction shown. */
async function topOnes(page: Page): Promise<string[]> {
  return page.getByTestId('prediction').evaluateAll((items) =>
    items.map((li) => {
      const first = li.querySelector('.top-k li');
      return `${li.querySelector('.path')?.textContent} → ${first?.querySelector('.top-name')?.textContent} ${first?.querySelector('.top-prob')?.textContent}`;
    }),
  );
}

/** Top-1 of image files by python/examples/apply_prompt.py (PyTorch), or null without torch here. */
function pythonTopOnes(prompt: string, files: string[]): string[] | null {
  const python = '/usr/bin/python3';
  if (!existsSync(python) || spawnSync(python, ['-c', 'import numpy, torch, PIL']).status !== 0) return null;
  const r = spawnSync(
    python,
    ['python/examples/apply_prompt.py', prompt, 'public/generated/models/nsfwjs-mobilenet-v2', ...files],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [path, list] = line.split(': ');
      const [name, prob] = list!.split(', ')[0]!.split(' ');
      return `${path!.split('/').pop()} → ${name} ${prob}`;
    });
}

/** A small, fast run: training in the browser is slow (about 5 images/s). */
async function smallRun(page: Page): Promise<void> {
  await setNumber(page, 'Training images', 40);
  await setNumber(page, 'Validation images', 20);
  await setNumber(page, 'Test images', 30);
  await setNumber(page, 'Epochs', 2);
  await setNumber(page, 'Batch size', 10);
  await setNumber(page, 'Learning rate', 0.01);
  await page.getByLabel('Compare with linear probing').uncheck();
}

/** A screenshot attached to the report (and written to $AUTOVP_SHOTS when set, to look at). */
async function shot(target: Locator, name: string): Promise<void> {
  const body = await target.screenshot();
  await test.info().attach(name, { body, contentType: 'image/png' });
  if (process.env.AUTOVP_SHOTS) writeFileSync(join(process.env.AUTOVP_SHOTS, `${name}.png`), body);
}

async function dropFile(page: Page, file: string, x: number, y: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const data = { items: [], files: [file], dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const)
    await cdp.send('Input.dispatchDragEvent', { type, x, y, data });
}

test('a trained prompt downloads, loads back, predicts the same, and refuses tampered files', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');
  // The nsfwjs MobileNetV2, not the default darknet-tiny: its 5 source outputs keep the files small.
  await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption('nsfwjs-mobilenet-v2');
  await smallRun(page);

  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 300_000 });
  const reportedTest = (await page.getByTestId('test-accuracy').textContent())!;
  const runs = page.getByTestId('runs');
  const rows = runs.getByTestId('run-row');
  await expect(rows).toHaveCount(1);
  const trained = rows.first();
  await expect(trained).toHaveAttribute('data-status', 'done');
  await expect(trained).toContainText('2 epochs saved');
  await expect(trained).toContainText(`test ${reportedTest}`);

  // Kept across a reload.
  await page.reload();
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await expect(rows).toHaveCount(1);
  await expect(trained).toHaveAttribute('data-status', 'done');

  // Every download.
  const file = await clickDownload(page, trained, 'Prompt (.safetensors)');
  expect(file.name).toMatch(/^MNIST-FullyMap-.*\.safetensors$/);
  const st = decodeSafetensors(new Uint8Array(readFileSync(file.path)));
  expect([...st.tensors.keys()].sort()).toEqual(['mapping_bias', 'mapping_weight', 'mask', 'prompt']);
  expect(st.tensors.get('prompt')!.shape).toEqual([224, 224, 3]);
  expect(st.tensors.get('mapping_weight')!.shape).toEqual([5, 10]);
  const manifest = JSON.parse(st.metadata.autovp!) as Record<string, unknown>;
  expect(manifest).toMatchObject({
    format: 'autovp-prompt',
    version: 1,
    imageSize: 128,
    promptActivation: 'sigmoid',
    labelMapping: { kind: 'fully', k: null },
  });
  expect((manifest.model as { source: unknown }).source).toMatchObject({ kind: 'bundled', package: 'nsfwjs@4.4.0' });
  expect((manifest.metrics as { test: { count: number } }).test.count).toBe(30);

  const png = await clickDownload(page, trained, 'Prompt picture (PNG)');
  const sample = await clickDownload(page, trained, 'Prompt on a sample image (PNG)');
  for (const f of [png, sample]) {
    const img = PNG.sync.read(readFileSync(f.path));
    expect([img.width, img.height]).toEqual([224, 224]);
  }
  const npy = await clickDownload(page, trained, 'Raw prompt δ (.npy)');
  expect(readFileSync(npy.path).subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  const report = await clickDownload(page, trained, 'Run report (JSON)');
  expect(JSON.parse(readFileSync(report.path, 'utf8'))).toMatchObject({
    format: 'autovp-run-report',
    prompt: { format: 'autovp-prompt' },
  });
  const svg = await clickDownload(page, trained, 'Training curves (SVG)');
  expect(readFileSync(svg.path, 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);

  // Predict with the trained prompt.
  const digits = digitFiles(6);
  const notImage = join(workdir, 'notes.txt');
  writeFileSync(notImage, 'not an image');
  await trained.getByRole('button', { name: 'Use' }).click();
  const use = page.getByTestId('use-prompt');
  await expect(use).toBeVisible();
  await use.getByTestId('predict-input').setInputFiles([...digits, notImage]);
  await expect(use.getByTestId('prediction')).toHaveCount(7, { timeout: 120_000 });
  await expect(use.getByTestId('prediction').last()).toContainText('not an image the app reads');
  const original = await topOnes(page);
  expect(original[0]).toMatch(/^digit-0\.png → \d [\d.]+%$/);
  await expect(use.locator('.top-k').first().locator('li')).toHaveCount(5);
  await shot(use, 'predict');
  await trained.locator('.downloads summary').click();
  if (process.env.AUTOVP_SHOTS)
    await page.screenshot({ path: join(process.env.AUTOVP_SHOTS, 'menu.png'), fullPage: true });
  const axe = await new AxeBuilder({ page })
    .include('[data-testid="runs"]')
    .include('[data-testid="use-prompt"]')
    .analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await trained.locator('.downloads summary').click();
  await shot(runs, 'runs');

  // PyTorch, given the downloaded file and the same image files, predicts the same.
  const inTorch = pythonTopOnes(file.path, digits);
  if (inTorch) expect(inTorch).toEqual(original.slice(0, 6));
  else console.warn('Skipped the PyTorch comparison: /usr/bin/python3 lacks numpy, torch or PIL.');

  // Tampered and foreign files are refused; nothing is stored.
  const bytes = new Uint8Array(readFileSync(file.path));
  const tampered = bytes.slice();
  tampered[tampered.length - 3]! ^= 0x40;
  writeFileSync(join(workdir, 'tampered.safetensors'), tampered);
  writeFileSync(
    join(workdir, 'foreign.safetensors'),
    encodeSafetensors({ 'model.weight': { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) } }),
  );
  const picker = runs.getByTestId('prompt-input');
  await picker.setInputFiles([join(workdir, 'tampered.safetensors'), join(workdir, 'foreign.safetensors')]);
  const refusals = runs.getByTestId('prompt-refused');
  await expect(refusals).toHaveCount(2);
  await expect(refusals.first()).toContainText('changed or damaged after export');
  await expect(refusals.last()).toContainText('not an AutoVP prompt');
  await expect(rows).toHaveCount(1);

  // The exported file loads back (picked) and predicts exactly the same.
  await picker.setInputFiles(file.path);
  await expect(runs.getByTestId('prompt-imports')).toContainText('Loaded');
  await expect(rows).toHaveCount(2);
  const imported = runs.locator('[data-status="imported"]');
  await expect(imported).toHaveCount(1);
  await expect(imported.getByRole('button', { name: 'In use' })).toBeVisible();
  await use.getByTestId('predict-input').setInputFiles(digits);
  await expect(use.getByTestId('prediction')).toHaveCount(6, { timeout: 120_000 });
  expect(await topOnes(page)).toEqual(original.slice(0, 6));

  // Evaluated on MNIST it gives the test accuracy the run reported (same images, same seed).
  await use.getByRole('button', { name: 'Evaluate on MNIST' }).click();
  await expect(use.getByTestId('evaluation-accuracy')).toHaveText(reportedTest, { timeout: 120_000 });
  await expect(use).toContainText('30 test images of MNIST');

  // Dropped on the page, the same file loads too (and is put in use).
  await dropFile(page, file.path, 900, 300);
  await expect(runs.locator('[data-status="imported"]')).toHaveCount(2);
  await expect(use.getByTestId('prediction')).toHaveCount(0);

  // Images dropped on the predict area are predicted, not imported as a dataset.
  // Drag events take viewport coordinates: bring the drop area on screen first.
  await use.getByTestId('predict-drop').scrollIntoViewIfNeeded();
  const box = (await use.getByTestId('predict-drop').boundingBox())!;
  await dropFile(page, digits[0]!, box.x + box.width / 2, box.y + box.height / 2);
  await expect(use.getByTestId('prediction')).toHaveCount(1, { timeout: 60_000 });
  expect((await topOnes(page))[0]).toBe(original[0]);

  // Continue training the loaded prompt: a new run, the original kept.
  await smallRun(page);
  await use.getByRole('button', { name: 'Continue training' }).click();
  await expect(runs.locator('.tag', { hasText: 'continued' })).toHaveCount(1, { timeout: 300_000 });
  await expect(page.getByTestId('run-status')).toContainText('Done', { timeout: 300_000 });
  await shot(page.locator('.results'), 'results');
  await expect(rows).toHaveCount(4);
  const continued = rows.filter({ has: page.locator('.tag', { hasText: 'continued' }) });
  await expect(continued).toHaveAttribute('data-status', 'done');

  // Delete one.
  await continued.getByRole('button', { name: /^Delete/ }).click();
  await continued.getByRole('group', { name: 'Confirm deletion' }).getByRole('button', { name: 'Delete' }).click();
  await expect(rows).toHaveCount(3);
  await page.reload();
  await expect(rows).toHaveCount(3);
});

test('a reload mid-training keeps the prompt of every finished epoch', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');
  await smallRun(page);
  await setNumber(page, 'Epochs', 50);
  await page.getByTestId('train').click();
  const row = page.getByTestId('runs').getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-status', 'training', { timeout: 60_000 });
  await expect(row).toContainText(/[1-9]\d* epochs? saved/, { timeout: 120_000 });
  await expect(row.getByRole('button', { name: 'Use' })).toBeDisabled();

  // The tab "crashes" (a reload ends the worker mid-epoch).
  await page.reload();
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await expect(row).toHaveAttribute('data-status', 'interrupted');
  await expect(row).toContainText(/[1-9]\d* epochs? saved/);
  await row.getByRole('button', { name: 'Use' }).click();
  const use = page.getByTestId('use-prompt');
  await use.getByTestId('predict-input').setInputFiles(digitFiles(2));
  await expect(use.getByTestId('prediction')).toHaveCount(2, { timeout: 120_000 });
  await expect(use.locator('.top-k').first()).toBeVisible();
  const waiting = page.waitForEvent('download');
  await row.locator('.downloads summary').click();
  await row.getByRole('button', { name: 'Prompt (.safetensors)' }).click();
  const d = await waiting;
  const path = join(workdir, `interrupted-${d.suggestedFilename()}`);
  await d.saveAs(path);
  const metrics = JSON.parse(decodeSafetensors(new Uint8Array(readFileSync(path))).metadata.autovp!).metrics as {
    final: boolean;
    epochs: unknown[];
  };
  expect(metrics.final).toBe(false);
  expect(metrics.epochs.length).toBeGreaterThan(0);
});
