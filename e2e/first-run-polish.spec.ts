/**
 * What a newcomer sees first (issue 13): an empty chart that says when curves come, a legend in
 * its own space, readable axis ticks, a Compute menu that says why it is locked and which
 * backends were tried, a Stop that answers at once, and a drop overlay centred in the viewport.
 * Runs are tiny (32 training images, one epoch) so that this stays quick without a GPU.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { expect, setNumber, test } from './fixtures';

type Box = { x: number; y: number; width: number; height: number };

async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  expect(b, 'element has a box').not.toBeNull();
  return b!;
}

const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x - 0.5 &&
  inner.y >= outer.y - 0.5 &&
  inner.x + inner.width <= outer.x + outer.width + 0.5 &&
  inner.y + inner.height <= outer.y + outer.height + 0.5;

const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The plot area of a chart: the grid's background rectangle. */
const plotArea = (chart: Locator) => chart.locator('.recharts-cartesian-grid').first();

async function tinyRun(page: Page) {
  await setNumber(page, 'Training images', 32);
  await setNumber(page, 'Validation images', 16);
  await setNumber(page, 'Test images', 16);
  await setNumber(page, 'Epochs', 1);
  await setNumber(page, 'Batch size', 16);
  await page.getByLabel('Compare with linear probing').uncheck();
}

test('empty charts, legend, ticks, the Compute menu while training, and Stop', async ({ page, errors }) => {
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');

  // Before any point: a message in each chart's plot area.
  const charts = page.locator('section.charts');
  const empty = charts.getByTestId('chart-empty');
  await expect(empty).toHaveCount(2);
  for (const metric of ['loss', 'acc']) {
    const chart = page.getByTestId(`chart-${metric}`);
    const message = chart.getByTestId('chart-empty');
    await expect(message).toHaveText('Curves appear here after the first training batch.');
    await expect(plotArea(chart)).toBeAttached();
    expect(inside(await box(message), await box(chart.locator('svg.recharts-surface')))).toBe(true);
  }

  // Every backend tried, behind a disclosure.
  const tried = page.getByTestId('backend-attempts');
  await tried.getByText('Backends tried').click();
  await expect(tried.getByRole('listitem').last()).toHaveText('WASM – chosen');
  await expect(tried.getByRole('listitem').first()).toContainText(/WebGPU – .+/);
  const axe = await new AxeBuilder({ page }).include('header').analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

  await tinyRun(page);
  const select = page.getByLabel('Compute');
  await expect(select).toBeEnabled();
  await page.getByTestId('train').click();
  // Locked while the run trains, and it says why (visibly, and as the menu's description).
  await expect(select).toBeDisabled();
  await expect(page.getByTestId('backend-locked')).toHaveText('The backend can be changed when training ends.');
  await expect(select).toHaveAccessibleDescription(/^The backend can be changed when training ends\./);
  await expect(page.getByTestId('run-status')).toContainText('Done', { timeout: 180_000 });
  await expect(select).toBeEnabled();
  await expect(page.getByTestId('backend-locked')).toHaveCount(0);

  // With points: no message; the legend sits above the plots; every tick label reads differently.
  await expect(empty).toHaveCount(0);
  const legend = await box(page.getByTestId('chart-legend'));
  for (const metric of ['loss', 'acc']) {
    const chart = page.getByTestId(`chart-${metric}`);
    expect(overlaps(legend, await box(plotArea(chart))), `legend over the ${metric} plot`).toBe(false);
    for (const axis of ['xAxis', 'yAxis']) {
      const ticks = await chart.locator(`.recharts-${axis}-tick-labels .recharts-cartesian-axis-tick-value`).allTextContents();
      expect(ticks.length, `${metric} ${axis} ticks`).toBeGreaterThan(2);
      expect(new Set(ticks).size, `${metric} ${axis} ticks: ${ticks.join(', ')}`).toBe(ticks.length);
    }
  }
  const accTicks = await page.getByTestId('chart-acc').locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
  expect(accTicks).toEqual(['0%', '25%', '50%', '75%', '100%']);

  // Stop answers at once; the worker ends the run at its next batch boundary.
  await page.getByTestId('train').click();
  await page.getByTestId('stop').click();
  await expect(page.getByTestId('run-status')).toHaveText('Stopping after this batch…', { timeout: 1_000 });
  await expect(page.getByTestId('stop')).toBeDisabled();
  await expect(page.getByTestId('run-status')).toContainText('Stopped', { timeout: 120_000 });
  await expect(page.getByTestId('train')).toBeEnabled();
  expect(errors).toEqual([]);
});

test('the drop overlay is centred in the viewport, whatever the page around it', async ({ page }, testInfo) => {
  const drag = (type: 'dragenter' | 'dragover' | 'dragleave') =>
    page.evaluate((t) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['x'], 'images.zip', { type: 'application/zip' }));
      const target = document.querySelector('.results') ?? document.body;
      target.dispatchEvent(new DragEvent(t, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }, type);
  const centred = async (label: string) => {
    const b = await box(page.locator('.drop-overlay-box'));
    const vp = page.viewportSize()!;
    expect(Math.abs(b.x + b.width / 2 - vp.width / 2), `${label}: horizontal centre`).toBeLessThan(1);
    expect(Math.abs(b.y + b.height / 2 - vp.height / 2), `${label}: vertical centre`).toBeLessThan(1);
    expect(b.x, `${label}: room on the left`).toBeGreaterThanOrEqual(12);
    expect(b.x + b.width, `${label}: room on the right`).toBeLessThanOrEqual(vp.width - 12);
  };

  await page.goto('/');
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');
  // A scrolled page, and a dataset card that is a containing block for fixed descendants (as a
  // transform, a filter or `contain` make it): the overlay must still cover the viewport.
  await page.evaluate(() => {
    window.scrollTo(0, 500);
    (document.querySelector('section[aria-labelledby="dataset-title"]') as HTMLElement).style.transform = 'translateZ(0)';
  });
  await drag('dragenter');
  await drag('dragover');
  await expect(page.getByTestId('drop-overlay')).toBeVisible();
  await centred('1280 × 900, scrolled');
  await testInfo.attach('drop overlay', { body: await page.screenshot(), contentType: 'image/png' });
  await drag('dragleave');
  await expect(page.getByTestId('drop-overlay')).toHaveCount(0);

  // A narrow window: the box keeps a margin instead of touching the edges.
  await page.setViewportSize({ width: 360, height: 740 });
  await drag('dragenter');
  await drag('dragover');
  await centred('360 × 740');
  await testInfo.attach('drop overlay, narrow', { body: await page.screenshot(), contentType: 'image/png' });
  await drag('dragleave');
});
