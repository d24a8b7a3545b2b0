/**
 * What a search will run before it starts: its trials, the configurations left out and why, and
 * the one change (another model) that would let the left-out ones run.
 */
import {
  type ExcludedConfig,
  enumerateTrials,
  type SearchModelInfo,
  type SearchSpace,
  type TrialConfig,
} from './space';

interface ModelSwitch {
  /** Search this model instead of the ticked ones… */
  modelId: string;
  /** …and this many configurations run (more than now). */
  trials: number;
}

interface SearchPlan {
  trials: TrialConfig[];
  excluded: ExcludedConfig[];
  /** The available model that runs the most of the space, when it runs more than the ticked ones. */
  modelSwitch: ModelSwitch | null;
}

/** The space's trials over the ticked models, and the better model to switch to when some cannot run. */
export function planSearch(space: SearchSpace, available: readonly SearchModelInfo[], numTarget: number): SearchPlan {
  const { trials, excluded } = enumerateTrials(space, available, numTarget);
  let modelSwitch: ModelSwitch | null = null;
  if (excluded.length > 0) {
    for (const m of available) {
      const alone = enumerateTrials({ ...space, models: [m.id] }, available, numTarget).trials.length;
      if (alone > trials.length && alone > (modelSwitch?.trials ?? 0)) modelSwitch = { modelId: m.id, trials: alone };
    }
  }
  return { trials, excluded, modelSwitch };
}
