/**
 * The methods `autovp benchmark` compares, each a design on top of the app's default recipe (same
 * images, epochs, batch and schedule: an equal budget). The design schema turns each into flags.
 */
import type { VPDesign } from '../design/design';

export interface BenchmarkMethod {
  id: string;
  /** Row label. */
  name: string;
  /** What differs from the default design. */
  design: Partial<VPDesign>;
}

export const BENCHMARK_METHODS: readonly BenchmarkMethod[] = [
  { id: 'freq', name: 'FreqMap, padding (FLM)', design: { prompt: 'pad', labelMapping: 'freq', k: 1 } },
  { id: 'iter', name: 'IterMap, padding (ILM-VP)', design: { prompt: 'pad', labelMapping: 'iter', k: 1, interval: 1 } },
  {
    id: 'fully',
    name: 'FullyMap, padding (AutoVP; the app default)',
    design: { prompt: 'pad', labelMapping: 'fully' },
  },
  { id: 'blm', name: 'BLM, padding', design: { prompt: 'pad', labelMapping: 'blm' } },
  { id: 'blmplus', name: 'BLM+, padding', design: { prompt: 'pad', labelMapping: 'blmplus' } },
  // SMM's paper pairs its masks with ILM; FullyMap beside it is AutoVP's best mapping on our models.
  {
    id: 'smm',
    name: 'SMM, IterMap (as its paper)',
    design: { prompt: 'smm', labelMapping: 'iter', k: 1, interval: 1 },
  },
  { id: 'smm-fully', name: 'SMM, FullyMap', design: { prompt: 'smm', labelMapping: 'fully' } },
  { id: 'lowrank', name: 'Low-rank prompt (LoR-VP), FullyMap', design: { prompt: 'lowrank', labelMapping: 'fully' } },
];

export const DEFAULT_BENCHMARK_METHODS = BENCHMARK_METHODS.map((m) => m.id);

export function benchmarkMethod(id: string): BenchmarkMethod | undefined {
  return BENCHMARK_METHODS.find((m) => m.id === id);
}
