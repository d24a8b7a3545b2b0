import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { decodeSafetensors } from '../src/engine/export/safetensors';
import { expect, modelPicker, openApp, routeOffMachine, test, trainTiny as trainSmall } from './fixtures';

/**
 * CLIP in the app, on the tiny random CLIP of test/fixtures/tiny-clip (64-pixel input, made by
 * python/scripts/make_tiny_clip.py) answered at the hub URLs of the built-in ViT-B/32, so the
 * real download, cache, text head, zero-shot and training paths run without the 605 MB.
 */
const FIXTURE = resolve(import.meta.dirname, '../test/fixtures/tiny-clip');
const clip = JSON.parse(readFileSync(resolve(import.meta.dirname, '../models/clip-vit-base-patch32.json'), 'utf8')) as {
  id: string;
  weights: { url: string };
};
const HUB_BASE = clip.weights.url.slice(0, clip.weights.url.lastIndexOf('/') + 1);
const FILES = ['config.json', 'tokenizer.json', 'model.safetensors'];

/**
 * Every request off this machine is refused, except (when `online`) the checkpoint's three hub
 * URLs, answered from the fixture. Returns the URLs that were requested.
 */
function hub(context: BrowserContext, online: boolean): Promise<string[]> {
  return routeOffMachine(context, (url) => {
    const file = url.startsWith(HUB_BASE) ? url.slice(HUB_BASE.length) : null;
    return online && file && FILES.includes(file) ? readFileSync(join(FIXTURE, file)) : null;
  });
}

/** A few steps on a small subset, the prompt framing a 32-pixel image. */
const trainTiny = (page: Page) => trainSmall(page, { testImages: 20, baseSize: 32 });

const MNIST_CLASSES = Array.from({ length: 10 }, (_, i) => String(i));
const PERCENT = /^\d{1,3}\.\d%$/;

test('CLIP: downloaded once into the cache, trains a prompt beside its zero-shot accuracy, then works offline', async ({ page, context, errors }) => {
  let requested = await hub(context, true);
  await openApp(page);
  await modelPicker(page).selectOption(clip.id);
  await expect(modelPicker(page).locator(`option[value="${clip.id}"]`)).toHaveText(/your classes, 577\.0 MB · needs the internet once$/);
  await expect(page.getByTestId('clip-internet')).toHaveText(/^Needs the internet once: 577\.0 MB from huggingface\.co/);
  await expect(page.getByTestId('clip-memory')).toContainText('of fp32 weights while loaded');
  await expect(page.getByTestId('clip-zero-shot-goal')).toContainText('the prompt should beat its zero-shot accuracy');
  // Before the download the manifest's 224-pixel input allows the CLIP-VP recipe.
  await expect(page.getByRole('button', { name: 'Use the CLIP-VP recipe' })).toBeEnabled();

  await page.getByRole('button', { name: 'Download now' }).click();
  await expect(page.getByTestId('model-stored')).toHaveText('Cached in this browser: works offline', { timeout: 60_000 });
  expect(requested.filter((u) => u.startsWith(HUB_BASE)).sort()).toEqual(FILES.map((f) => HUB_BASE + f).sort());
  // The checkpoint's own config.json sets the input: 64 pixels, too small for a 30-pixel frame.
  await expect(page.locator('.model-facts')).toContainText('64×64 RGB');
  await expect(page.getByTestId('clip-internet')).toHaveText('Downloaded already: works offline from this browser’s cache');
  await expect(page.getByRole('button', { name: 'Use the CLIP-VP recipe' })).toBeDisabled();
  await expect(page.getByTestId('clip-recipe')).toContainText("64-pixel input leaves 4 px inside CLIP-VP's 30-pixel frame");

  await trainTiny(page);
  await expect(page.getByTestId('zs-row')).toContainText('CLIP zero-shot');
  await expect(page.getByTestId('zs-val-accuracy')).toHaveText(PERCENT);
  await expect(page.getByTestId('zs-test-accuracy')).toHaveText(PERCENT);
  await expect(page.getByTestId('test-accuracy')).toHaveText(PERCENT);
  await expect(page.getByTestId('zs-verdict')).toHaveText(/^The prompt (beats|ties|does not beat) CLIP's zero-shot test accuracy/);
  await expect(page.getByTestId('run-metrics').first()).toContainText(/zero-shot \d{1,3}\.\d% \(validation\)/);

  // The downloaded prompt names its checkpoint and text head, so the PyTorch loader can rebuild it.
  const row = page.getByTestId('runs').getByTestId('run-row').first();
  await row.locator('.downloads summary').click();
  const waiting = page.waitForEvent('download');
  await row.getByRole('button', { name: 'Prompt (.safetensors)' }).click();
  const st = decodeSafetensors(new Uint8Array(readFileSync((await (await waiting).path())!)));
  const model = (JSON.parse(st.metadata.autovp!) as { model: { clip?: Record<string, unknown> } }).model;
  expect(model.clip).toMatchObject({ checkpoint: { kind: 'hub', repo: 'openai/clip-vit-base-patch32' }, classNames: MNIST_CLASSES });
  expect((model.clip!.templates as string[]).length).toBeGreaterThan(0);

  // Second visit with the network blocked: the model loads from the cache and trains again.
  await context.unrouteAll({ behavior: 'wait' });
  requested = await hub(context, false);
  await openApp(page);
  await modelPicker(page).selectOption(clip.id);
  await expect(page.getByTestId('model-stored')).toHaveText('Cached in this browser: works offline');
  await expect(page.locator('.model-facts')).toContainText('64×64 RGB');
  await trainTiny(page);
  await expect(page.getByTestId('zs-test-accuracy')).toHaveText(PERCENT);
  expect(requested.filter((u) => u.startsWith(HUB_BASE)), 'hub requests after the model was cached').toEqual([]);
  expect(errors).toEqual([]);
});

test('CLIP offline with nothing cached: the message names the URL and what to do', async ({ page, context, errors }) => {
  await hub(context, false);
  await openApp(page);
  await modelPicker(page).selectOption(clip.id);
  await page.getByRole('button', { name: 'Download now' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Download failed' });
  await expect(alert).toContainText(`Cannot download ${HUB_BASE}config.json`);
  await expect(alert).toContainText('connect to the internet once and load the model again.');
  await expect(alert).not.toContainText('--model'); // CLI advice has no place in the browser
  expect(errors).toEqual([]);
});
