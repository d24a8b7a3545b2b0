/**
 * The benchmark page: a separate Vite build (never part of the app's dist/) with the app's own
 * config (plugins, worker format, minification, cross-origin isolation headers), so that the
 * browser numbers are those of the production build. bench/run.ts builds it into BENCH_OUT_DIR
 * and adds the wasm binaries and model folders next to it.
 */
import { fileURLToPath } from 'node:url';
import { type ConfigEnv, defineConfig, mergeConfig, type UserConfig } from 'vite';
import appConfig from '../../vite.config';

export const BENCH_OUT_DIR = fileURLToPath(new URL('../../node_modules/.cache/autovp-bench/site', import.meta.url));

export function benchConfig(env: ConfigEnv): UserConfig {
  const app = (typeof appConfig === 'function' ? appConfig(env) : appConfig) as UserConfig;
  const bench = mergeConfig(app, {
    root: fileURLToPath(new URL('.', import.meta.url)),
    publicDir: false,
    logLevel: 'warn',
    build: { outDir: BENCH_OUT_DIR, emptyOutDir: true, sourcemap: false },
    preview: { port: 4179, strictPort: false, host: '127.0.0.1' },
  } satisfies UserConfig);
  // Inline config: Vite must not look for a config file of its own.
  return { ...bench, configFile: false } as UserConfig;
}

export default defineConfig(benchConfig);
