import base from './playwright.config';
import { defineConfig } from '@playwright/test';
const port = 4199;
export default defineConfig({
  ...base,
  testDir: '/work/main/e2e',
  outputDir: '/tmp/mw/pw-out',
  use: { ...base.use, baseURL: `http://127.0.0.1:${port}/` },
  webServer: {
    command: `npx vite build --outDir /tmp/mw/dist --emptyOutDir && npx vite preview --outDir /tmp/mw/dist --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}/`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
