/**
 * What the user is told when training stopped on a loss that was not finite (the trainer's
 * divergence guard), in the app and on the command line alike: where, why, and what to change.
 */
import { designParam } from './schema';

/** The trainer's report of a loss that was not finite (engine/train/trainer.ts Divergence), as plain data. */
export interface DivergenceReport {
  /** 0-based epoch. */
  epoch: number;
  /** The 1-based step whose loss was not finite. */
  step: number;
  loss: number;
  during: 'training' | 'validation';
  /** The 1-based step whose finite loss the kept values gave; null: none did. */
  keptStep: number | null;
}

/** A learning rate a tenth of `lr`, in short decimal form, not below the schema's minimum. */
export const saferRate = (lr: number) => Math.max(designParam('learningRate').min, Number((lr / 10).toPrecision(2)));

/**
 * The message. `setRate` names how to set a learning rate where the user is ("--lr 0.0003" on
 * the command line, "a learning rate of 0.0003" in the app); `checkInput` what to check when the
 * model's own outputs are not finite.
 */
export function divergenceText(
  d: DivergenceReport,
  learningRate: number,
  where: { modelName: string; setRate: (rate: number) => string; checkInput: string; nothingKept: string },
): string {
  const loss = Number.isNaN(d.loss) ? 'NaN' : String(d.loss);
  if (d.keptStep === null)
    return `The loss is ${loss} at the first step, before any update: ${where.modelName} gives outputs that are not finite for these images (${where.checkInput}). ${where.nothingKept}`;
  return (
    `Training diverged at epoch ${d.epoch + 1}, step ${d.step}: the ${d.during === 'validation' ? 'validation ' : ''}loss became ${loss}. ` +
    `The learning rate ${learningRate} is too high for this model and data: try ${where.setRate(saferRate(learningRate))}. ` +
    `The prompt after ${d.keptStep - 1} of those steps, the last whose loss was finite, was kept.`
  );
}
