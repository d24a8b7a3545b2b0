import { createElement } from 'react';

/**
 * Why the run started again on another backend (one failed at its first real use), in the
 * training controls. Written without JSX so that unit tests can render it (RunNotice.test.ts).
 */
export function RunNotice({ notice }: { notice: string | null }) {
  if (!notice) return null;
  return createElement('p', { className: 'notice', role: 'status', 'data-testid': 'run-notice' }, notice);
}
