import { createElement } from 'react';
import { divergenceText, saferRate } from '../../core/design/divergence';
import type { RunDivergence } from '../../worker/api/trainingApi';

/**
 * What the page says of a run whose loss stopped being finite (the CLI says the same with its
 * flags), and the learning rate to offer instead; null when no step's loss was finite, where the
 * model's own outputs are at fault and a lower rate would not help.
 */
export function divergenceNotice(d: RunDivergence): { text: string; saferRate: number | null } {
  return {
    text: divergenceText(d, d.learningRate, {
      modelName: d.modelName,
      setRate: (rate) => `a learning rate of ${rate}`,
      checkInput: 'check its weights, and the input values it expects in the Model panel',
      nothingKept: 'Its prompt is untrained.',
    }),
    saferRate: d.keptStep === null ? null : saferRate(d.learningRate),
  };
}

/**
 * The message under the training controls, with a button that puts the safer learning rate in
 * the form (`formRate`: the form's rate now; once it is the safer one, the button says so).
 * Written without JSX so that unit tests can render it (DivergenceNotice.test.ts).
 */
export function DivergenceNotice({
  diverged,
  formRate,
  onApply,
}: {
  diverged: RunDivergence | undefined;
  formRate: number;
  onApply(rate: number): void;
}) {
  if (!diverged) return null;
  const { text, saferRate: rate } = divergenceNotice(diverged);
  const action =
    rate === null
      ? null
      : formRate === rate
        ? createElement('span', { 'data-testid': 'safer-rate-set' }, `The form's learning rate is now ${rate}: train again to use it.`)
        : createElement(
            'button',
            { type: 'button', className: 'link-button', onClick: () => onApply(rate), 'data-testid': 'apply-safer-rate' },
            `Use a learning rate of ${rate}`,
          );
  return createElement(
    'p',
    { className: 'notice warning', role: 'alert', 'data-testid': 'divergence-notice' },
    text,
    action ? ' ' : null,
    action,
  );
}
