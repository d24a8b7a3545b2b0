import { test as base, type BrowserContext, expect, type Page } from '@playwright/test';

/** Main-thread long tasks (ms) seen by the page since it loaded. */
export async function longTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.slice());
}

/** The main-thread long tasks of one phase of a test (see longTasksDuring). */
export interface PhaseTasks {
  phase: string;
  /** Every long task (ms), in order. */
  tasks: number[];
  /** The longest (0 when there was none). */
  longest: number;
  /** How many took over 50 ms, the goal being none. */
  over50: number;
}

/**
 * Runs `action` and returns the main-thread long tasks the page reported meanwhile (all of a new
 * document's when `action` navigates), and prints them: the longest and how many took over 50 ms,
 * against the goal of none.
 */
export async function longTasksDuring(page: Page, phase: string, action: () => Promise<unknown>): Promise<PhaseTasks> {
  const mark = () =>
    page.evaluate(() => ({
      document: performance.timeOrigin,
      count: (window as unknown as { __longTasks?: number[] }).__longTasks?.length ?? 0,
    }));
  const before = await mark().catch(() => ({ document: NaN, count: 0 }));
  await action();
  // Long tasks are reported once they end, a little later: two frames and a pause.
  await page.evaluate(
    () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 300)))),
  );
  const after = await mark();
  const all = await longTasks(page);
  const tasks = all.slice(after.document === before.document ? before.count : 0).map((d) => Math.round(d));
  const longest = Math.max(0, ...tasks);
  const over50 = tasks.filter((d) => d > 50).length;
  console.log(
    `main-thread long tasks, ${phase}: longest ${longest} ms, ${over50} over 50 ms [${tasks.join(', ')}]; ` +
      `goal (none over 50 ms) ${over50 === 0 ? 'met' : 'not met'}`,
  );
  return { phase, tasks, longest, over50 };
}

/**
 * A page that records main-thread long tasks from its first script on, and collects console
 * errors and uncaught exceptions; a test fails if any appear.
 */
export const test = base.extend<{ errors: string[] }>({
  errors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(() => {
      const seen: number[] = [];
      (window as unknown as { __longTasks: number[] }).__longTasks = seen;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) seen.push(entry.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await use(errors);
    expect(errors, 'console errors').toEqual([]);
  },
});

export { expect };

/** Fill a number input found by its accessible label. */
export async function setNumber(page: Page, label: string, value: number): Promise<void> {
  const input = page.getByLabel(label, { exact: true });
  await input.fill(String(value));
  await input.blur();
}

/** The page, loaded, on WASM, with the default dataset (MNIST) ready. */
export async function openApp(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByTestId('backend-name')).toHaveText('WASM', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-summary')).toContainText('10 classes');
}

export const modelPicker = (page: Page) => page.getByRole('combobox', { name: 'Model', exact: true });

/**
 * Every request off this machine is answered by `answer` (the body, as a hub would send it with
 * CORS) or, when it returns null, refused as if offline. Returns the URLs that were requested.
 */
export async function routeOffMachine(context: BrowserContext, answer: (url: string) => Buffer | null): Promise<string[]> {
  const requested: string[] = [];
  await context.route(/^https?:\/\/(?!127\.0\.0\.1|localhost)/, async (route) => {
    const url = route.request().url();
    requested.push(url);
    const body = answer(url);
    if (body) {
      const headers = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin', 'content-type': 'application/octet-stream' };
      await route.fulfill({ status: 200, body, headers });
    } else {
      await route.abort('internetdisconnected');
    }
  });
  return requested;
}

/** A few steps on a small subset of the default dataset, without the baseline: enough to show the model trains. */
export async function trainTiny(page: Page, options: { testImages?: number; baseSize?: number } = {}): Promise<void> {
  await setNumber(page, 'Training images', 20);
  await setNumber(page, 'Validation images', 10);
  await setNumber(page, 'Test images', options.testImages ?? 10);
  await setNumber(page, 'Epochs', 1);
  await setNumber(page, 'Batch size', 10);
  if (options.baseSize !== undefined) await setNumber(page, 'Base size (px)', options.baseSize);
  const lp = page.getByLabel('Compare with linear probing');
  if (await lp.isChecked()) await lp.uncheck();
  await page.getByTestId('train').click();
  await expect(page.getByTestId('run-result')).toBeVisible({ timeout: 240_000 });
  await expect(page.getByTestId('run-status')).not.toContainText(/error|failed/i);
}
