import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext } from '@playwright/test';
import { expect, modelPicker, openApp, routeOffMachine, test, trainTiny } from './fixtures';

/** darknet-tiny's local copy (../shared, never part of the app), for the hub and "your model" tests. */
const DARKNET = resolve(import.meta.dirname, '../../shared/models/darknet-tiny');
const hasDarknet = existsSync(join(DARKNET, 'model.json'));
/** The hub model these tests download: Darknet reference (29 MB, no local copy; see mirrorHub). */
const reference = JSON.parse(readFileSync(resolve(import.meta.dirname, '../models/darknet-reference.json'), 'utf8')) as {
  weights: { url: string };
  sourceClasses: { url: string };
};
const MODEL_BASE = reference.weights.url.slice(0, reference.weights.url.lastIndexOf('/') + 1);
/** A made-up address for "your own model from a URL", answered from the same local copy. */
const USER_URL_BASE = 'https://models.example.test/darknet/';
/** Screenshots of the model card, to look at (MODEL_SHOTS=folder to keep them elsewhere). */
const SHOTS = process.env.MODEL_SHOTS ?? 'test-results/models';

/**
 * Public hub URLs answered from the local copy; every other request off this machine is refused,
 * so nothing here touches the network. Darknet reference's URLs get a stand-in: darknet-tiny's
 * files with the input declared 256², the reference's size (both end in a global average and have
 * the layers its manifest names), so the download, cache and training paths of a hub model run
 * for real. Returns the hub URLs that were requested.
 */
function mirrorHub(context: BrowserContext): Promise<string[]> {
  return routeOffMachine(context, (url) => {
    let file: string | null = null;
    if (url.startsWith(MODEL_BASE)) file = join(DARKNET, url.slice(MODEL_BASE.length).replace(/\?.*$/, ''));
    if (url === reference.sourceClasses.url) file = join(DARKNET, 'classes.json');
    if (url.startsWith(USER_URL_BASE)) file = join(DARKNET, url.slice(USER_URL_BASE.length));
    if (!file || !existsSync(file)) return null;
    const body = readFileSync(file);
    return url.startsWith(MODEL_BASE) && file.endsWith('model.json')
      ? Buffer.from(body.toString('utf8').replaceAll(/\[\s*null,\s*224,\s*224,\s*3\s*\]/g, '[null, 256, 256, 3]'))
      : body;
  });
}


test('the default model is the bundled darknet-tiny: offline, 1000 ImageNet classes in its own order', async ({ page, context, errors }) => {
  const requested = await mirrorHub(context);
  await openApp(page);
  await expect(modelPicker(page)).toHaveValue('darknet-tiny');
  await expect(modelPicker(page).locator('option:checked')).toHaveText(/^Darknet tiny \(ImageNet-1k, 1000 classes\) — 224², 1000 classes/);
  await expect(modelPicker(page).locator('optgroup[label="Offline (bundled with the app)"] option').first()).toHaveAttribute('value', 'darknet-tiny');
  await expect(page.getByTestId('model-stored')).toHaveText('Offline: served by this app');
  // Class names from the bundled classes.json, in the model's own order.
  await page.getByText(/1,000 source classes/).click();
  await expect(page.locator('.model-class-list li').first()).toHaveText('kit fox');
  await expect(page.locator('.model-class-list li').nth(1)).toHaveText('English setter');
  await page.locator('section[aria-labelledby="model-title"]').screenshot({ path: `${SHOTS}/bundled.png` });
  expect(requested, 'requests off this machine').toEqual([]);
  expect(errors).toEqual([]);
});

test('picks a hub model, downloads it with progress into the cache, trains on it, and removes it', async ({ page, context, errors }) => {
  test.skip(!hasDarknet, `needs the local darknet-tiny copy at ${DARKNET}`);
  const requested = await mirrorHub(context);
  await openApp(page);
  const options = await modelPicker(page).locator('optgroup').evaluateAll((groups) => groups.map((g) => (g as HTMLOptGroupElement).label));
  expect(options).toEqual(['Offline (bundled with the app)', 'From the web (downloaded once, then cached)']);

  await modelPicker(page).selectOption('darknet-reference');
  await expect(page.getByTestId('model-stored')).toHaveText('Not downloaded yet: fetched on first use');
  await page.getByRole('button', { name: 'Download now' }).click();
  await expect(page.getByTestId('model-stored')).toHaveText('Cached in this browser: works offline', { timeout: 60_000 });
  expect(requested.filter((u) => u.startsWith(MODEL_BASE))).toHaveLength(32);
  expect(requested).toContain(reference.sourceClasses.url);

  // Class names in the model's own order.
  await page.getByText(/1,000 source classes/).click();
  await expect(page.locator('.model-class-list li').first()).toHaveText('kit fox');
  await page.locator('section[aria-labelledby="model-title"]').screenshot({ path: `${SHOTS}/hub-cached.png` });

  // Second use is offline: after a reload the cache answers, the network is never asked again.
  const before = requested.length;
  await openApp(page);
  await modelPicker(page).selectOption('darknet-reference');
  await expect(page.getByTestId('model-stored')).toHaveText('Cached in this browser: works offline');
  await trainTiny(page);
  expect(requested.slice(before), 'requests after the model was cached').toEqual([]);

  await page.getByRole('button', { name: 'Remove from cache' }).click();
  await expect(page.getByTestId('model-stored')).toHaveText('Not downloaded yet: fetched on first use');
  expect(errors).toEqual([]);
});

test('adds your own model from files, keeps it across reloads, trains on it, and deletes it', async ({ page, context, errors }) => {
  test.skip(!hasDarknet, `needs the local darknet-tiny copy at ${DARKNET}`);
  await mirrorHub(context);
  await openApp(page);
  const files = ['model.json', 'classes.json', ...readdirSync(DARKNET).filter((f) => f.startsWith('group'))].map((f) => join(DARKNET, f));

  // Without its weight files the model is refused, with the files named.
  await page.getByText('Add your own model').click();
  await page.getByLabel('Model files').setInputFiles([join(DARKNET, 'model.json')]);
  await expect(page.getByRole('alert')).toContainText('model.json lists 31 weight files; 31 are missing: group1-shard1of1');
  await page.getByRole('button', { name: 'Dismiss' }).click();

  await page.getByLabel('Model files').setInputFiles(files);
  const review = page.getByRole('form', { name: 'Review your model' });
  await expect(review).toBeVisible({ timeout: 60_000 });
  await expect(review.getByLabel('Source output (class scores, before any softmax)')).toHaveValue('global_average_pooling2d_1');
  await expect(review).toContainText('class names from the file beside the model (kit fox, English setter, Siberian husky, …)');
  await review.getByLabel('Name').fill('My darknet');
  await page.locator('section[aria-labelledby="model-title"]').screenshot({ path: `${SHOTS}/user-review.png` });
  await review.getByRole('button', { name: 'Add this model' }).click();
  await expect(review).toBeHidden({ timeout: 60_000 });
  await expect(modelPicker(page).locator('option:checked')).toHaveText(/^My darknet — 224², 1000 classes/);
  await expect(page.getByTestId('model-stored')).toHaveText('Stored in this browser');

  await openApp(page);
  const userOption = modelPicker(page).locator('optgroup[label="Your models"] option');
  await expect(userOption).toHaveCount(1);
  await modelPicker(page).selectOption({ label: (await userOption.textContent()) ?? '' });
  await page.locator('section[aria-labelledby="model-title"]').screenshot({ path: `${SHOTS}/user-model.png` });
  await trainTiny(page);

  await page.getByRole('button', { name: 'Delete this model' }).click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(userOption).toHaveCount(0);
  await expect(modelPicker(page)).toHaveValue('darknet-tiny');
  expect(errors).toEqual([]);
});

test('inspects a model given by URL and says why one without its weights cannot be used', async ({ page, context, errors }) => {
  test.skip(!hasDarknet, `needs the local darknet-tiny copy at ${DARKNET}`);
  await mirrorHub(context);
  await openApp(page);
  await page.getByText('Add your own model').click();
  const urlField = page.getByLabel('or model.json URL');
  await urlField.fill(`${USER_URL_BASE}model.json`);
  await page.getByRole('button', { name: 'Inspect' }).click();
  const review = page.getByRole('form', { name: 'Review your model' });
  await expect(review).toBeVisible({ timeout: 60_000 });
  await expect(review).toContainText('a layers model, 224×224 RGB input, 1.05 M weights (4.0 MB)');
  await expect(review.getByLabel('Name')).toHaveValue('darknet');
  await review.getByRole('button', { name: 'Cancel' }).click();
  await expect(review).toBeHidden();

  await urlField.fill('https://models.example.test/nowhere/model.json');
  await page.getByRole('button', { name: 'Inspect' }).click();
  await expect(page.getByRole('alert')).toContainText('cannot be used');
  await expect(page.getByRole('alert')).toContainText('Could not fetch https://models.example.test/nowhere/model.json');
  expect(errors.filter((e) => !/net::ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(e))).toEqual([]);
  errors.length = 0;
});
