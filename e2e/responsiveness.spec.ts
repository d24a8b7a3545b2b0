/**
 * The page stays responsive: no main-thread task may block it for 200 ms or more while it loads,
 * while a (tiny) run trains with its curves streaming in, or while the views of the result are
 * opened. The goal is none over 50 ms; that is printed (met or not) rather than asserted, as a
 * busy shared machine stretches tasks that take well under 50 ms on an idle one. For the same
 * reason the ceiling is judged only when the machine was not oversubscribed by other processes
 * (1-minute load average at most 1.5 runnable tasks per core); otherwise the numbers are printed
 * with the load that makes them meaningless.
 */
import { cpus, loadavg } from 'node:os';
import { expect, longTasksDuring, setNumber, test, type PhaseTasks } from './fixtures';

/** The ceiling: a task this long is a visible freeze. */
const CEILING_MS = 200;

test('the page stays responsive while it loads, trains and shows the views', async ({ page, errors }) => {
  const phases: PhaseTasks[] = [];

  // ---- Load: the engine picks its backend, the dataset, its examples and the charts are shown.
  phases.push(
    await longTasksDuring(page, 'load', async () => {
      await page.goto('/');
      await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
      await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');
      await expect(page.getByTestId('chart-acc')).toBeVisible();
    }),
  );

  // ---- Training: a tiny run, its curves streaming in batch by batch.
  await setNumber(page, 'Training images', 48);
  await setNumber(page, 'Validation images', 16);
  await setNumber(page, 'Test images', 16);
  await setNumber(page, 'Epochs', 1);
  await setNumber(page, 'Batch size', 16);
  const lp = page.getByLabel('Compare with linear probing');
  if (await lp.isChecked()) await lp.uncheck();
  phases.push(
    await longTasksDuring(page, 'training', async () => {
      await page.getByTestId('train').click();
      await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 240_000 });
      await expect(page.getByTestId('run-status')).toContainText('Done');
    }),
  );
  await expect(page.locator('section.charts')).toHaveAttribute('data-points', /^[1-9]/);

  // ---- Views: the prompt (stretched), the mapping, a confusion-matrix cell's images, the run
  // compared and reopened.
  phases.push(
    await longTasksDuring(page, 'views', async () => {
      const promptView = page.getByTestId('prompt-view');
      await promptView.scrollIntoViewIfNeeded();
      await expect(promptView.getByRole('img', { name: /^The learnt prompt/ })).toBeVisible();
      // (A prompt still flat after so short a run has no contrast to stretch: the picture may stay.)
      await promptView.getByLabel('Stretch the contrast').check();
      await page.getByTestId('mapping-view').scrollIntoViewIfNeeded();
      await expect(page.getByTestId('mapping-table')).toBeVisible();
      const cell = page.locator('button[data-cell]:not([data-count="0"])').first();
      await cell.scrollIntoViewIfNeeded();
      await cell.click();
      await expect(page.getByTestId('misclassified')).toHaveAttribute('data-status', 'done');
      const row = page.getByTestId('runs').getByTestId('run-row').first();
      await row.getByTestId('compare-run').check();
      await expect(page.getByTestId('compare-chart')).toHaveAttribute('data-series', '1');
      await row.getByTestId('open-run').click();
      await expect(row.locator('.tag', { hasText: 'shown above' })).toBeVisible();
      await expect(page.getByTestId('prompt-view').getByTestId('snapshot-when')).toHaveText(/^As saved/);
    }),
  );

  const load = loadavg()[0]!;
  const cores = cpus().length;
  if (load > 1.5 * cores) {
    console.log(`main-thread ceiling not judged: load average ${load.toFixed(1)} on ${cores} cores (other processes share this machine)`);
    test.info().annotations.push({ type: 'not judged', description: `load ${load.toFixed(1)} on ${cores} cores` });
  } else for (const p of phases) {
    expect(
      p.longest,
      `longest main-thread task while ${p.phase === 'views' ? 'showing the views' : p.phase === 'load' ? 'loading' : p.phase} (${p.tasks.join(', ')} ms)`,
    ).toBeLessThan(CEILING_MS);
  }
  expect(errors).toEqual([]);
});
