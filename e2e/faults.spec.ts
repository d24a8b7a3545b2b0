/**
 * Faults the app must survive (issue 17), each injected for real: the engine worker killed
 * mid-epoch, the page reloaded mid-training, the WebGPU device destroyed mid-run. A run that
 * survives must end exactly as an undisturbed run of the same seed. And WebGPU (SwiftShader
 * here) against WASM, layer by layer, forward and input gradient, to 1e-4.
 */
import type { Page } from '@playwright/test';
import { expect, setNumber, test } from './fixtures';

/** What the page's test hooks (src/app/testHooks.ts) return of a stored run. */
interface StoredRun {
  id: string;
  name: string;
  status: string;
  resumable?: boolean;
  checkpoint: { epochs: number; final: boolean } | null;
  epochs: { epoch: number; trainLoss: number; trainAcc: number; valLoss: number; valAcc: number; seconds: number }[];
  summary: {
    validation: { loss: number; accuracy: number } | null;
    test: { loss: number; accuracy: number } | null;
    backend: { name: string };
  } | null;
}

const storedRuns = (page: Page) =>
  page.evaluate(() => (window as unknown as { autovpTestHooks: { storedRuns(): Promise<unknown> } }).autovpTestHooks.storedRuns()) as Promise<StoredRun[]>;

const injectFault = (page: Page, kind: 'lose-gpu-device' | 'crash') =>
  page.evaluate((k) => {
    // A crashed worker never answers: the call is not awaited.
    void (window as unknown as { autovpTestHooks: { injectFault(k: string): Promise<boolean> } }).autovpTestHooks.injectFault(k);
  }, kind);

/** The newest run once its epoch checkpoint `epochs` is stored (the fault then lands after it). */
async function afterCheckpoint(page: Page, epochs: number): Promise<StoredRun> {
  let run: StoredRun | undefined;
  await expect
    .poll(async () => {
      run = (await storedRuns(page))[0];
      return run?.checkpoint?.epochs ?? 0;
    }, { timeout: 240_000, intervals: [100] })
    .toBeGreaterThanOrEqual(epochs);
  return run!;
}

/** What must be equal between a resumed and an undisturbed run: every metric but the timings. */
const outcome = (r: StoredRun) => ({
  epochs: r.epochs.map(({ seconds: _, ...m }) => m),
  validation: r.summary?.validation,
  test: r.summary?.test,
});

async function smallRun(page: Page, s: { train: number; val: number; test: number; epochs: number; batch: number }) {
  await setNumber(page, 'Training images', s.train);
  await setNumber(page, 'Validation images', s.val);
  await setNumber(page, 'Test images', s.test);
  await setNumber(page, 'Epochs', s.epochs);
  await setNumber(page, 'Batch size', s.batch);
  const baseline = page.getByRole('checkbox', { name: /Compare with linear probing/ });
  if (await baseline.isChecked()) await baseline.uncheck();
}

const WASM_RUN = { train: 96, val: 32, test: 32, epochs: 4, batch: 16 };

test('a run survives a killed worker and a reload, and ends exactly as an undisturbed run of the same seed', async ({ page, errors }) => {
  test.setTimeout(15 * 60_000);
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await smallRun(page, WASM_RUN);

  // The undisturbed run.
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 240_000 });
  const undisturbed = (await storedRuns(page))[0]!;
  expect(undisturbed.status).toBe('done');
  expect(undisturbed.epochs).toHaveLength(4);

  // The same run, its worker killed (as the browser does when it runs out of memory) mid-run.
  await page.getByTestId('train').click();
  const before = await afterCheckpoint(page, 1);
  await injectFault(page, 'crash');
  const notice = page.getByTestId('run-notice');
  await expect(notice).toContainText('The engine worker stopped unexpectedly', { timeout: 60_000 });
  await expect(notice).toContainText(/Resumed from the checkpoint after epoch [1-3] of 4; the epochs before it are kept\./, { timeout: 120_000 });
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 240_000 });
  const crashed = (await storedRuns(page)).find((r) => r.id === before.id)!;
  expect(crashed.status).toBe('done');
  console.log(
    `killed worker after the checkpoint of epoch ${before.checkpoint?.epochs}: val loss ${crashed.summary?.validation?.loss} ` +
      `(undisturbed ${undisturbed.summary?.validation?.loss}), test accuracy ${crashed.summary?.test?.accuracy} (${undisturbed.summary?.test?.accuracy})`,
  );
  expect(outcome(crashed)).toEqual(outcome(undisturbed));

  // The same run again, the page reloaded mid-training: offered for resumption on return.
  await page.getByTestId('train').click();
  const interrupted = await afterCheckpoint(page, 1);
  await page.reload();
  const banner = page.getByTestId('resume-banner');
  await expect(banner).toContainText('was still training when its page closed', { timeout: 60_000 });
  await expect(banner).toContainText(/[1-3] of 4 epochs are saved/);
  // Nothing recorded before is lost: the two earlier runs are listed as they were.
  const listed = await storedRuns(page);
  expect(listed.map((r) => r.id)).toEqual(expect.arrayContaining([undisturbed.id, crashed.id, interrupted.id]));
  expect(listed.find((r) => r.id === interrupted.id)).toMatchObject({ status: 'interrupted', resumable: true });
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await page.getByTestId('resume-run').click();
  await expect(page.getByTestId('run-notice')).toContainText(/Resumed from the checkpoint after epoch [1-3] of 4/, { timeout: 120_000 });
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 240_000 });
  await expect(banner).toBeHidden();
  const resumed = (await storedRuns(page)).find((r) => r.id === interrupted.id)!;
  expect(resumed.status).toBe('done');
  expect(outcome(resumed)).toEqual(outcome(undisturbed));

  // Interrupted again and let go: the offer goes, the run and its last checkpoint stay.
  await smallRun(page, WASM_RUN);
  await page.getByTestId('train').click();
  const dropped = await afterCheckpoint(page, 1);
  await page.reload();
  await expect(banner).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('discard-resume').click();
  await expect(banner).toBeHidden();
  const kept = (await storedRuns(page)).find((r) => r.id === dropped.id)!;
  expect(kept.status).toBe('interrupted');
  expect(kept.resumable).toBeFalsy();
  expect(kept.checkpoint?.epochs).toBeGreaterThanOrEqual(1);
  expect((await storedRuns(page)).length).toBe(4);
  expect(errors).toEqual([]);
});

// FIXME (issue 17, open): on SwiftShader the tiny run never reached its first checkpoint in 240 s
// (tried again 2026-12-05 with one other job on the 2 cores), so the device was never destroyed;
// needs a lighter model or a test hook that loses the device earlier.
test.fixme('a lost WebGPU device moves the run to WASM from its last checkpoint, and WebGPU can be chosen again', async ({ page }) => {
  test.setTimeout(12 * 60_000);
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  const compute = page.getByLabel('Compute');
  await compute.selectOption('webgpu');
  await expect(page.getByTestId('backend-name')).not.toHaveText('WASM', { timeout: 120_000 });
  const chosen = await page.getByTestId('backend-name').textContent();
  test.skip(chosen !== 'WEBGPU', `WebGPU could not start in this browser: ${await page.getByTestId('backend-reason').textContent()}`);

  // Software WebGPU is slow: a tiny run.
  const RUN = { train: 8, val: 8, test: 8, epochs: 3, batch: 4 };
  await smallRun(page, RUN);
  await page.getByTestId('train').click();
  const run = await afterCheckpoint(page, 1);
  await injectFault(page, 'lose-gpu-device');
  const notice = page.getByTestId('run-notice');
  await expect(notice).toContainText('WEBGPU failed during the run: the WebGPU device was lost (destroyed', { timeout: 120_000 });
  await expect(notice).toContainText('The run moved to WASM and goes on from its last checkpoint.');
  await expect(notice).toContainText(/Resumed from the checkpoint after epoch [12] of 3/, { timeout: 120_000 });
  await expect(page.getByTestId('backend-name')).toHaveText('WASM');
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 300_000 });
  const moved = (await storedRuns(page)).find((r) => r.id === run.id)!;
  expect(moved.status).toBe('done');
  expect(moved.summary?.backend.name).toBe('wasm');
  expect(moved.epochs).toHaveLength(3);

  // The same run undisturbed on WASM. Epochs before the fault ran on WebGPU, whose float results
  // differ from WASM's in the last bits: the results are compared to a tolerance, and measured.
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 300_000 });
  const reference = (await storedRuns(page))[0]!;
  const dLoss = Math.abs(moved.summary!.validation!.loss - reference.summary!.validation!.loss);
  console.log(
    `lost device: val loss ${moved.summary!.validation!.loss} (WebGPU then WASM) vs ${reference.summary!.validation!.loss} (WASM only), ` +
      `difference ${dLoss.toExponential(2)}; accuracy ${moved.summary!.validation!.accuracy} vs ${reference.summary!.validation!.accuracy}`,
  );
  expect(dLoss).toBeLessThan(1e-3);
  expect(moved.summary!.validation!.accuracy).toBe(reference.summary!.validation!.accuracy);

  // The backend can be changed after the fault, without a reload: WebGPU on a new device, then WASM.
  await compute.selectOption('webgpu');
  await expect(page.getByTestId('backend-name')).toHaveText('WEBGPU', { timeout: 120_000 });
  await compute.selectOption('wasm');
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 120_000 });
});

// This check found a real bug: tfjs-backend-webgpu's pad reads rank-5/6 inputs with four coordinates,
// which broke the engine's strided depthwise input gradient (dilate); dilate now pads rank-4 views.
test('WebGPU agrees with WASM on every layer type, forward and input gradient, to 1e-4', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    return gpu ? (await gpu.requestAdapter()) !== null : false;
  });
  test.skip(!adapter, 'No WebGPU adapter in this browser (Chromium needs --enable-unsafe-webgpu here): nothing to compare.');

  // The synthetic Keras model of the network tests: every layer type the engine rebuilds.
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const { syntheticLayersModel } = await import('../test/support/network/syntheticLayersModel');
  const { artifactsOf } = await import('../test/support/network/layersArtifacts');
  const model = syntheticLayersModel();
  const artifacts = await artifactsOf(model);
  model.dispose();
  const layerClass = new Map<string, string>(
    ((artifacts.modelTopology as { config: { layers: { name: string; class_name: string }[] } }).config.layers).map((l) => [l.name, l.class_name]),
  );
  const weights = Array.from(new Float32Array(artifacts.weightData as ArrayBuffer));

  const report = (await page.evaluate(
    async ({ topology, specs, weights }) => {
      const hooks = (window as unknown as { autovpTestHooks: { checkBackendParity(a: unknown, b: string[]): Promise<unknown> } }).autovpTestHooks;
      return hooks.checkBackendParity({ modelTopology: topology, weightSpecs: specs, weightData: Float32Array.from(weights).buffer }, ['webgpu', 'wasm']);
    },
    { topology: artifacts.modelTopology as object, specs: artifacts.weightSpecs!, weights },
  )) as { unavailable: string } | { layers: { name: string; shape: number[]; forward: number | null; gradient: number | null; error?: string }[] };
  test.skip('unavailable' in report, `A backend could not start: ${'unavailable' in report ? report.unavailable : ''}`);
  if ('unavailable' in report) return;

  const rows = report.layers.map((l) => ({ ...l, type: layerClass.get(l.name.split('/')[0]!) ?? 'unknown' }));
  for (const r of rows) {
    console.log(
      `${r.type.padEnd(22)} ${r.name.padEnd(28)} [${r.shape.join('×')}] forward ${r.forward?.toExponential(2) ?? '-'} gradient ${r.gradient?.toExponential(2) ?? '-'}${r.error ? ` ${r.error}` : ''}`,
    );
  }
  expect(rows.length).toBeGreaterThan(40);
  // Every layer type of the model is in the comparison.
  expect(new Set(rows.map((r) => r.type))).toEqual(new Set(layerClass.values()));
  const failing = rows.filter((r) => !(r.forward !== null && r.forward <= 1e-4 && r.gradient !== null && r.gradient <= 1e-4));
  expect(failing, 'layers where WebGPU and WASM disagree beyond 1e-4').toEqual([]);
});
