/** A search as the page keeps it: its setup, its state, and its winner's final training. */
import type { DataSelection } from '../data/runSplits';
import type { VPDesign } from '../design/design';
import type { SearchState } from './searchState';
import type { ExcludedConfig } from './space';

/** How a search was set up: what a reload needs to resume it and to train its winner. */
export interface SearchSetup {
  datasetId: string;
  datasetName: string;
  classes: string[];
  data: DataSelection;
  baseDesign: VPDesign;
  /** The models the search ticked, by id: name and input side (the canvas). */
  models: Record<string, { name: string; inputSize: number; textImage: boolean }>;
  poolSize: number;
  /** Epochs of the winner's final training. */
  finalEpochs: number;
  /** Train the winner as soon as the search finishes. */
  trainWinner: boolean;
  /** Training images of each trial (absent in searches saved before: the whole selection). */
  trialTrainImages?: number;
}

/** The images every trial trains and is ranked on: the selection, with fewer training images if asked. */
export const trialData = (setup: SearchSetup): DataSelection => ({
  ...setup.data,
  trainImages: Math.min(setup.trialTrainImages ?? setup.data.trainImages, setup.data.trainImages),
});

/** The winner trained in full and tested, beside linear probing on the same images. */
export interface SearchFinal {
  trialId: string;
  runId: string | null;
  epochs: number;
  vp: { validation: number | null; test: number | null; parameters: number };
  lp: { validation: number | null; test: number | null; parameters: number } | null;
  valCount: number;
  testCount: number;
  seconds: number;
}

/** A search as kept in IndexedDB ('autovp-searches'). */
export interface SearchRecord {
  id: string;
  createdAt: number;
  updatedAt: number;
  setup: SearchSetup;
  state: SearchState;
  excluded: ExcludedConfig[];
  /** Learnt scale at the last batch of trials with trainable resize. */
  learntScales: Record<string, number>;
  final: SearchFinal | null;
}
