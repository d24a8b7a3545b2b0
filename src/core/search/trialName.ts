/** Short readable names of trials and of why they stopped, for status lines, legends and the CLI. */
import { fillsInput, PROMPT_SHAPES } from '../design/kinds';
import { mappingWords } from './searchReport';
import type { TrialRecord } from './searchState';

/**
 * "FullyMap · ×1.5 · resize", "FreqMap k=5 · ×1 · fixed", with the model's name first when the
 * search has several models, and the optimiser settings of a second-stage trial.
 */
export function trialName(t: Pick<TrialRecord, 'config' | 'learningRate' | 'weightDecay'>, modelName?: string): string {
  const d = t.config.design;
  const parts = [
    ...(modelName ? [modelName] : []),
    mappingWords(d),
    ...(d.prompt && fillsInput(d.prompt)
      ? [PROMPT_SHAPES.find((k) => k.id === d.prompt)?.name ?? d.prompt]
      : [`×${Number(d.inputScale.toFixed(2))}`, d.trainableResize ? 'resize' : 'fixed']),
    ...(t.learningRate !== undefined ? [`lr ${t.learningRate}, wd ${t.weightDecay}`] : []),
  ];
  return parts.join(' · ');
}

/** How a trial ended, in words: "ran all 2 epochs", "stopped by ASHA after 1 epoch", "stopped by the time budget …". */
export function trialEnding(t: Pick<TrialRecord, 'status' | 'stoppedBy' | 'epochs' | 'error'>): string {
  const n = t.epochs.length;
  const after = `after ${n} epoch${n === 1 ? '' : 's'}`;
  switch (t.status) {
    case 'completed':
      return `ran all ${n} epoch${n === 1 ? '' : 's'}`;
    case 'failed':
      return `failed: ${t.error ?? 'unknown error'}`;
    case 'stopped':
      if (t.stoppedBy === 'budget') return `stopped by the time budget ${after}`;
      if (t.stoppedBy === 'cancel') return `stopped by the cancel ${after}`;
      if (t.stoppedBy === 'asha') return `stopped by ASHA ${after}`;
      return `stopped ${after}`;
    case 'running':
      return `training epoch ${n + 1}`;
    case 'pending':
      return 'waiting';
  }
}
