import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** Threaded WASM and SharedArrayBuffer need cross-origin isolation, in dev and preview alike. */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * tfjs's threaded wasm starts each pthread worker from the SOURCE TEXT of its module factory
 * (`factory.toString()` in a Blob). The factory tests a variable of its enclosing closure,
 * `typeof _scriptDir !== "undefined" && _scriptDir`; a minifier that sees the closure's
 * declaration renames it and drops the typeof guard (`e!==void 0&&e`), so the copy in the
 * pthread worker, where that closure does not exist, throws "e is not defined". Without the
 * outer declaration the name is a free global: the minifier keeps it and the guard. (The
 * factory only reads it as a fallback for `mainScriptUrlOrBlob`, which tfjs always sets.)
 */
function tfjsThreadedWasmSurvivesMinify(): Plugin {
  const outer = [
    "var _scriptDir = typeof document !== 'undefined' && document.currentScript ? document.currentScript.src : undefined;",
    "if (typeof __filename !== 'undefined') _scriptDir = _scriptDir || __filename;",
  ];
  return {
    name: 'tfjs-threaded-wasm-survives-minify',
    transform(code, id) {
      if (!id.replaceAll('\\', '/').endsWith('tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'))
        return null;
      if (!outer.every((line) => code.includes(line))) {
        this.error(
          'tfjs-backend-wasm changed its threaded factory: re-check the threaded-wasm minify fix in vite.config.ts.',
        );
      }
      return { code: outer.reduce((c, line) => c.replace(line, ''), code), map: null };
    },
  };
}

export default defineConfig(() => ({
  base: './',
  plugins: [react(), tfjsThreadedWasmSurvivesMinify()],
  // Threaded wasm works minified with the plugin above, dev and production alike (checked by
  // `npm run bench`, which trains threaded in Chromium on this build; see BENCHMARKS.md).
  server: { headers: isolation, port: 5173, strictPort: false },
  preview: { headers: isolation, port: 4173 },
  // The engine runs in a worker: worker bundles go through their own plugin list.
  worker: { format: 'es' as const, plugins: () => [tfjsThreadedWasmSurvivesMinify()] },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 4096 },
  // The dev server pre-bundles what the workers import too (not only what index.html reaches), so
  // the first visit neither reloads the page midway nor serves two copies of tfjs-core.
  optimizeDeps: { entries: ['index.html', 'src/worker/*Worker.ts'], include: ['@tensorflow/tfjs-backend-wasm'] },
}));
