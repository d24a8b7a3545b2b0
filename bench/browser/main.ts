/**
 * The benchmark page's main thread: it only starts a module worker per case, relays its progress
 * and watches itself for long tasks (the app trains in a worker so that the page stays responsive;
 * this checks it).
 */
import type { BrowserCase, BrowserCaseResult, WorkerMessage } from './protocol';

const longTasks: number[] = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // No Long Tasks API: the list stays empty and the report says so via `longTaskApi`.
}

const log = document.getElementById('log') as HTMLElement;
const say = (text: string): void => {
  console.log(text);
  log.textContent = `${text}\n${(log.textContent ?? '').slice(0, 4000)}`;
};

function caseLabel(c: BrowserCase): string {
  const threads =
    c.threads === 0 ? ' no threads' : c.threads < 0 ? ' threads (tfjs default count)' : ` ${c.threads} threads`;
  return `${c.backend}${c.backend === 'wasm' ? threads : ''} ${c.model} batch ${c.batch}`;
}

function runCase(c: BrowserCase): Promise<BrowserCaseResult> {
  const firstTask = longTasks.length;
  let worstGap = 0;
  let last = performance.now();
  let watching = true;
  const frame = (t: number): void => {
    worstGap = Math.max(worstGap, t - last);
    last = t;
    if (watching) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  return new Promise<BrowserCaseResult>((resolve, reject) => {
    const finish = (): void => {
      watching = false;
      worker.terminate();
    };
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      if (m.kind === 'progress') say(`[${caseLabel(c)}] ${m.text}`);
      else if (m.kind === 'error') {
        finish();
        reject(new Error(m.message));
      } else {
        finish();
        resolve({ ...m.result, longTasksMs: longTasks.slice(firstTask), worstFrameGapMs: worstGap });
      }
    };
    worker.onerror = (e) => {
      finish();
      reject(new Error(`worker error: ${e.message}`));
    };
    worker.postMessage(c);
  });
}

interface BenchPageInfo {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  userAgent: string;
  longTaskApi: boolean;
  /** The WebGPU adapter Chromium offers; a fallback one (SwiftShader) is no GPU. */
  gpu: { vendor: string; architecture: string; description: string; isFallback: boolean } | null;
}

/** The adapter tfjs's WebGPU backend would get (high performance), described. */
async function gpuAdapter(): Promise<BenchPageInfo['gpu']> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(o?: object): Promise<unknown> } }).gpu;
  const adapter = (await gpu?.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null)) as {
    info?: { vendor: string; architecture: string; description: string; isFallbackAdapter?: boolean };
    isFallbackAdapter?: boolean;
  } | null;
  if (!adapter) return null;
  const info = adapter.info ?? { vendor: '', architecture: '', description: '' };
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    isFallback: fallback || /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.description}`),
  };
}

declare global {
  interface Window {
    benchRunCase: typeof runCase;
    benchInfo: () => Promise<BenchPageInfo>;
  }
}
window.benchRunCase = runCase;
window.benchInfo = async () => ({
  crossOriginIsolated: self.crossOriginIsolated,
  hardwareConcurrency: navigator.hardwareConcurrency,
  userAgent: navigator.userAgent,
  longTaskApi: PerformanceObserver.supportedEntryTypes.includes('longtask'),
  gpu: await gpuAdapter(),
});
say('ready');
