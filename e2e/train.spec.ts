import { expect, longTasks, setNumber, test } from './fixtures';

test('trains a visual prompt on MNIST with the default model (the bundled darknet-tiny), live, beside linear probing, and stops on demand', async ({
  page,
  errors,
}) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'AutoVP Playground' })).toBeVisible();
  // No GPU here: the engine must choose WASM and say why.
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await expect(page.getByTestId('backend-reason')).toContainText(/WebGPU/);
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');
  // The default model: darknet-tiny, a real ImageNet-1k classifier bundled with the app.
  await expect(page.getByRole('combobox', { name: 'Model', exact: true })).toHaveValue('darknet-tiny');
  await expect(page.getByRole('region', { name: '2. Pretrained model (frozen)' })).toContainText('Darknet tiny');

  // A small, fast run: 160 training images, 4 epochs of batch 16, 100 validation images.
  await setNumber(page, 'Training images', 160);
  await setNumber(page, 'Validation images', 100);
  await setNumber(page, 'Test images', 100);
  await setNumber(page, 'Epochs', 4);
  await setNumber(page, 'Batch size', 16);
  const tasksBefore = (await longTasks(page)).length;

  await page.getByTestId('train').click();
  const charts = page.locator('section.charts');
  await expect(charts).toBeVisible({ timeout: 120_000 });
  // Points stream in while training runs.
  await expect
    .poll(async () => Number(await charts.getAttribute('data-points')), { timeout: 120_000 })
    .toBeGreaterThan(3);
  await expect(page.getByTestId('run-status')).toContainText(/Epoch \d+, batch \d+\/10/);
  // The page stays responsive during training: a control reacts at once.
  await page.getByRole('heading', { name: '3. Visual-prompt design' }).click();

  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 300_000 });
  const accuracy = parseFloat((await page.getByTestId('val-accuracy').textContent()) ?? '0');
  expect(accuracy, 'validation accuracy (%) at least twice chance (10%)').toBeGreaterThan(20);
  await expect(page.locator('[data-testid="chart-acc"] .recharts-line')).toHaveCount(3);
  // Visual prompt against linear probing, trainable parameters side by side: the padding prompt's
  // frame at scale 1, 3·(224² − 128²) = 101,376, plus FullyMap 1000 → 10 (10,010); the baseline on
  // the pooled 128-d features, 128·10 + 10; the probe on the flattened 14×14×128 map as an extra row.
  await expect(page.getByTestId('vp-parameters')).toHaveText('111,386');
  await expect(page.getByTestId('lp-row').locator('th')).toHaveText('Linear probing on pooled features (128-d)');
  await expect(page.getByTestId('lp-parameters')).toHaveText('1,290');
  await expect(page.getByTestId('lp-test-accuracy')).toHaveText(/^\d+(\.\d)?%$/);
  const extra = page.getByTestId('lp-extra-row');
  await expect(extra.locator('th')).toHaveText('Extra: linear probe on flattened conv features (25,088-d)');
  await expect(extra).toContainText('250,890');

  const tasks = (await longTasks(page)).slice(tasksBefore);
  expect(Math.max(0, ...tasks), `main-thread long tasks during training: ${tasks.join(', ')} ms`).toBeLessThan(500);

  // Stop mid-run: a second run stops after its first batch and the app stays usable.
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-status')).toContainText(/Epoch 1, batch/, { timeout: 120_000 });
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-status')).toContainText('Stopped', { timeout: 120_000 });
  await expect(page.getByTestId('train')).toBeEnabled();
  expect(errors).toEqual([]);
});
