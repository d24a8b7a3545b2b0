/**
 * `npm run bench:first-run -- [--search] [--url URL] [--shot docs/screenshot.png]`
 *
 * A newcomer's first run, timed: the README's `npm start` (started here on its own port unless
 * --url names a running server), the page opened in Debian's Chromium, Train pressed with the
 * defaults, and the wall time to the result. Prints the backend, the time and the result table
 * (visual prompt, linear probing, chance) as JSON; --shot saves a screenshot of the page at the
 * result for the README. --search does the same for the search tab's Start with its defaults:
 * the estimate shown before Start, the wall time to the winner's result, the leaderboard and the
 * winner beside linear probing.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    shot: { type: 'string' },
    port: { type: 'string', default: '5175' },
    search: { type: 'boolean', default: false },
  },
});

async function reachable(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

async function startDevServer(port: string): Promise<{ url: string; stop: () => void }> {
  const server = spawn('npm', ['start', '--', '--port', port, '--strictPort'], { stdio: 'ignore', detached: true });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 240 && !(await reachable(url)); i++) await new Promise((r) => setTimeout(r, 500));
  if (!(await reachable(url))) throw new Error(`npm start did not answer on ${url}`);
  return { url, stop: () => process.kill(-server.pid!, 'SIGTERM') };
}

/** The search tab's Start with the defaults, to the winner's result. */
async function defaultSearch(page: Page) {
  await page.getByTestId('search-tab').click();
  const estimate = (await page.getByTestId('search-estimate').innerText()).trim();
  const start = page.getByTestId('search-start');
  const button = (await start.innerText()).trim();
  const pressed = performance.now();
  await start.click();
  const final = page.getByTestId('search-final');
  await final.waitFor({ timeout: 40 * 60_000 });
  const done = performance.now();
  const rows = page.getByTestId('leaderboard-row');
  const text = async (id: string) => (await page.getByTestId(id).first().innerText()).trim();
  return {
    button,
    estimate,
    secondsToResult: Math.round((done - pressed) / 100) / 10,
    leaderboard: (await rows.allInnerTexts()).map((r) => r.replace(/\s+/g, ' ').trim()),
    winner: { validation: await text('final-vp-val'), test: await text('final-vp-test') },
    lp: { validation: await text('final-lp-val'), test: await text('final-lp-test') },
    explanation: (await page.getByTestId('search-explanation').allInnerTexts()).map((t) => t.trim()),
  };
}

async function main() {
  const server = values.url ? { url: values.url, stop: () => {} } : await startDevServer(values.port);
  const browser = await chromium.launch({
    ...(existsSync('/usr/bin/chromium') ? { executablePath: '/usr/bin/chromium' } : {}),
    args: ['--disable-quic', '--enable-unsafe-webgpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const opened = performance.now();
    await page.goto(server.url);
    const backend = page.getByTestId('backend-name');
    await backend.filter({ hasText: /\S/ }).waitFor({ timeout: 120_000 });
    await page.getByTestId('dataset-summary').filter({ hasText: 'classes' }).waitFor({ timeout: 120_000 });
    const ready = performance.now();
    if (values.search) {
      const secondsToReady = Math.round((ready - opened) / 100) / 10;
      console.log(JSON.stringify({ server: server.url, secondsToReady, ...(await defaultSearch(page)) }, null, 2));
      if (values.shot) await page.screenshot({ path: values.shot, fullPage: true });
      return;
    }
    await page.getByTestId('train').click();
    const result = page.getByTestId('run-result');
    await result.waitFor({ timeout: 30 * 60_000 });
    const done = performance.now();
    const text = async (id: string) =>
      (await page.getByTestId(id).count()) ? (await page.getByTestId(id).first().innerText()).trim() : null;
    const report = {
      server: server.url,
      backend: (await backend.innerText()).trim(),
      secondsToReady: Math.round((ready - opened) / 100) / 10,
      secondsToResult: Math.round((done - ready) / 100) / 10,
      caption: (await result.locator('caption').first().innerText()).trim(),
      vp: {
        parameters: await text('vp-parameters'),
        validation: await text('val-accuracy'),
        test: await text('test-accuracy'),
      },
      lp: {
        parameters: await text('lp-parameters'),
        validation: await text('lp-val-accuracy'),
        test: await text('lp-test-accuracy'),
      },
      lpFlattened: { validation: await text('lp-extra-val-accuracy') },
    };
    if (values.shot) {
      await page.mouse.move(0, 0);
      await result.scrollIntoViewIfNeeded();
      await page.screenshot({ path: values.shot, fullPage: true });
    }
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await browser.close();
    server.stop();
  }
}

await main();
