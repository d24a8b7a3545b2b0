import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Threaded WASM and SharedArrayBuffer need cross-origin isolation, in dev and preview alike. */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig(({ command }) => {
  // tfjs's threaded-wasm pthread worker is built from source text that names the module factory;
  // minification renames it ("e is not defined"). The production build keeps minification and
  // turns wasm threads off knowingly (2-core measurement: 739 vs 703 ms per step, see BENCHMARKS.md).
  const minify = command === 'build';
  return {
    base: './',
    plugins: [react()],
    define: { __WASM_THREADS__: JSON.stringify(!minify) },
    server: { headers: isolation, port: 5173, strictPort: false },
    preview: { headers: isolation, port: 4173 },
    worker: { format: 'es' },
    build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 4096 },
    optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
  };
});
