import { MODELS } from '../../../models';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { DataSelection, VPDesign } from '../../worker/api/trainingApi';
import type { Slice } from './types';

/** The default run's images: measured to finish in a few minutes on 2 cores (BENCHMARKS.md). */
export const DEFAULT_DATA: DataSelection = { valFraction: 0.1, trainImages: 1000, valImages: 200, testImages: 300, fraction: 1 };

/** What the next run will use: model, design choices and how much data. */
export interface DesignSlice {
  modelId: string;
  design: VPDesign;
  data: DataSelection;
  /** Train the linear-probing baseline beside the prompt. */
  baseline: boolean;
  setBaseline(on: boolean): void;
  selectModel(id: string): void;
  setDesign(patch: Partial<VPDesign>): void;
  setData(patch: Partial<DataSelection>): void;
}

export const createDesignSlice: Slice<DesignSlice> = (set, get) => ({
  modelId: MODELS[0]!.id,
  design: { ...DEFAULT_DESIGN },
  data: { ...DEFAULT_DATA },
  baseline: true,
  setBaseline(on) {
    set({ baseline: on });
  },
  selectModel(id) {
    set({ modelId: id });
  },
  setDesign(patch) {
    set({ design: { ...get().design, ...patch } });
  },
  setData(patch) {
    set({ data: { ...get().data, ...patch } });
  },
});
