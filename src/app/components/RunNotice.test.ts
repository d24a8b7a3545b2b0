import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { RunNotice } from './RunNotice';

describe('RunNotice', () => {
  it('shows why the run restarted on another backend, as a status', () => {
    const notice = 'WEBGPU failed at its first use (lost device); the run started again on WASM.';
    expect(renderToStaticMarkup(createElement(RunNotice, { notice }))).toBe(
      `<p class="notice" role="status" data-testid="run-notice">${notice}</p>`,
    );
  });

  it('says nothing when no backend failed', () => {
    expect(renderToStaticMarkup(createElement(RunNotice, { notice: null }))).toBe('');
  });
});
