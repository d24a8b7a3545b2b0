import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

/** Debian's Chromium on CI and on machines like it; Playwright's own browser elsewhere. */
const debianChromium = '/usr/bin/chromium';
/** The production build (`npm run build && npm run preview`), as deployed. */
const port = 4173;
/** The README's `npm start` (the Vite dev server), as a newcomer runs it. */
const devPort = 5174;

export default defineConfig({
  testDir: 'e2e',
  // One set of screenshot baselines whichever server (project) serves the page.
  snapshotPathTemplate: '{testDir}/{testFilePath}-snapshots/{arg}-{platform}{ext}',
  timeout: 6 * 60_000,
  expect: { timeout: 30_000, toHaveScreenshot: { maxDiffPixelRatio: 0.01 } },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  // Every spec runs on the production build; the training spec also runs on `npm start`.
  projects: [
    { name: 'build', use: { baseURL: `http://127.0.0.1:${port}/` } },
    { name: 'npm-start', testMatch: /train\.spec\.ts/, use: { baseURL: `http://127.0.0.1:${devPort}/` } },
  ],
  use: {
    ...devices['Desktop Chrome'],
    viewport: { width: 1280, height: 900 },
    trace: 'retain-on-failure',
    // Video needs Playwright's own ffmpeg download, which this project never fetches.
    video: 'off',
    launchOptions: {
      ...(existsSync(debianChromium) ? { executablePath: debianChromium } : {}),
      args: ['--disable-quic', '--enable-unsafe-webgpu'],
    },
  },
  webServer: [
    {
      // The production build, as deployed: it must work minified.
      command: `npm run build && npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
      url: `http://127.0.0.1:${port}/`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // Exactly the README's first command, on a port of its own.
      command: `npm start -- --port ${devPort} --strictPort`,
      url: `http://127.0.0.1:${devPort}/`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
