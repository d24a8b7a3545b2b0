/**
 * The default AutoVP search, in one place: the app's search form and `autovp search` both start
 * from it. Chosen by measurement for the default model (darknet-tiny, 1000 ImageNet outputs) on a
 * 2-core CPU, to end in about 10 minutes with the winner's training (BENCHMARKS.md, "The default
 * search"): FullyMap only (the one-to-one mappings lost by 40–75 points on MNIST at this budget),
 * the two scales and the resize switch that matter for it, two epochs a trial on fewer images,
 * then the winner trained like the default run so the two compare.
 */
import { DEFAULT_DESIGN, searchValues } from '../design/schema';
import { type AshaOptions, DEFAULT_ASHA } from './asha';
import type { MappingFamily, SearchSpace } from './space';

/** The search axes (models come from the caller). */
type SearchAxes = Omit<SearchSpace, 'models'>;

export interface SearchDefaults extends SearchAxes {
  asha: AshaOptions;
  /** Stop starting trial epochs after this many minutes (the winner is still trained). */
  budgetMinutes: number;
  /** Training images of each trial (the winner trains on the run's own selection). */
  trialTrainImages: number;
  /** The winner's training: the default run's epochs, so it compares with a single default run. */
  finalEpochs: number;
  /** Images when the caller gives none (the app's default run, designSlice's DEFAULT_DATA). */
  images: { train: number; validation: number; test: number };
}

export const DEFAULT_SEARCH: SearchDefaults = {
  mappings: ['fully'],
  scales: [1, 1.5],
  trainableResize: [false, true],
  ks: [1],
  intervals: [1],
  asha: DEFAULT_ASHA,
  budgetMinutes: 6,
  trialTrainImages: 300,
  finalEpochs: DEFAULT_DESIGN.epochs,
  images: { train: 1000, validation: 200, test: 300 },
};

/** Why each mapping family is outside the default space, when it is. */
export function leftOutByDefault(): { families: MappingFamily[]; reason: string } {
  const all = searchValues('labelMapping').filter((m): m is MappingFamily => m !== 'random');
  return {
    families: all.filter((m) => !DEFAULT_SEARCH.mappings.includes(m)),
    reason:
      'FullyMap beat every other label mapping measured at this budget with darknet-tiny on MNIST (the one-to-one ' +
      'mappings by 40–75 points, BENCHMARKS.md), so the default space spends its minutes on scale and resize.',
  };
}
