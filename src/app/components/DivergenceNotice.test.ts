import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { RunDivergence } from '../../worker/api/trainingApi';
import { DivergenceNotice, divergenceNotice } from './DivergenceNotice';
import { runStatusText } from './runStatus';

const diverged: RunDivergence = { epoch: 1, step: 10, loss: NaN, during: 'training', keptStep: 9, learningRate: 100, modelName: 'Darknet tiny' };
const render = (d: RunDivergence | undefined, formRate: number) =>
  renderToStaticMarkup(createElement(DivergenceNotice, { diverged: d, formRate, onApply: () => undefined }));

describe('a diverged run on the page', () => {
  it('names where the loss stopped being finite, the learning rate, a tenth of it, and the prompt kept', () => {
    expect(divergenceNotice(diverged)).toEqual({
      text:
        'Training diverged at epoch 2, step 10: the loss became NaN. The learning rate 100 is too high for this model and data: ' +
        'try a learning rate of 10. The prompt after 8 of those steps, the last whose loss was finite, was kept.',
      saferRate: 10,
    });
    expect(divergenceNotice({ ...diverged, during: 'validation', loss: Infinity, learningRate: 0.05 }).text).toContain(
      'the validation loss became Infinity. The learning rate 0.05 is too high for this model and data: try a learning rate of 0.005.',
    );
  });

  it('offers the safer rate as a button until the form holds it', () => {
    const offered = render(diverged, 100);
    expect(offered).toContain('role="alert" data-testid="divergence-notice"');
    expect(offered).toContain('<button type="button" class="link-button" data-testid="apply-safer-rate">Use a learning rate of 10</button>');
    const applied = render(diverged, 10);
    expect(applied).not.toContain('<button');
    expect(applied).toContain('was kept. <span data-testid="safer-rate-set">The form&#x27;s learning rate is now 10: train again to use it.</span>');
  });

  it('blames the model, not the rate, when no step had a finite loss', () => {
    const broken = { ...diverged, epoch: 0, step: 1, keptStep: null };
    expect(divergenceNotice(broken)).toEqual({
      text:
        'The loss is NaN at the first step, before any update: Darknet tiny gives outputs that are not finite for these images ' +
        '(check its weights, and the input values it expects in the Model panel). Its prompt is untrained.',
      saferRate: null,
    });
    expect(render(broken, 100)).not.toContain('<button');
  });

  it('says nothing for a run whose every loss was finite', () => {
    expect(render(undefined, 100)).toBe('');
  });

  it('the status line says the run stopped early, not that it is done', () => {
    const run = { status: 'done' as const, phase: null, batches: [], modelProgress: null };
    expect(runStatusText({ ...run, summary: { seconds: 21, diverged } }, false)).toBe('Stopped early after 21 s: training diverged.');
    expect(runStatusText({ ...run, summary: { seconds: 21 } }, false)).toBe('Done in 21 s.');
  });
});
