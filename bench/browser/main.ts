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

declare global {
  interface Window {
    benchRunCase: typeof runCase;
    benchInfo: () => {
      crossOriginIsolated: boolean;
      hardwareConcurrency: number;
      userAgent: string;
      longTaskApi: boolean;
    };
  }
}
window.benchRunCase = runCase;
window.benchInfo = () => ({
  crossOriginIsolated: self.crossOriginIsolated,
  hardwareConcurrency: navigator.hardwareConcurrency,
  userAgent: navigator.userAgent,
  longTaskApi: PerformanceObserver.supportedEntryTypes.includes('longtask'),
});
say('ready');
