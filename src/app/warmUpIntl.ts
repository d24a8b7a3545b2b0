/** What the throwaway worker runs: a number, a date and a plural rule in the browser's locale. */
const WARM_UP = `(1234.5).toLocaleString();
new Date(0).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
new Intl.PluralRules().select(1);
postMessage(0);`;

/**
 * The first number or date a page formats for the user's locale (toLocaleString, Intl) loads the
 * ICU locale data: 50–150 ms of main-thread time. The data is kept by the whole renderer process,
 * so a throwaway worker that formats first makes the page's own first call cost nothing.
 * Resolves when the worker is done, at most `timeoutMs` later (at once without workers).
 */
export function warmUpIntl(timeoutMs = 1500): Promise<void> {
  return new Promise((resolve) => {
    let url = '';
    let worker: Worker | null = null;
    let timer = 0;
    const done = () => {
      clearTimeout(timer);
      worker?.terminate();
      if (url) URL.revokeObjectURL(url);
      resolve();
    };
    try {
      url = URL.createObjectURL(new Blob([WARM_UP], { type: 'text/javascript' }));
      worker = new Worker(url);
      worker.onmessage = done;
      worker.onerror = done;
      timer = window.setTimeout(done, timeoutMs);
    } catch {
      done();
    }
  });
}
