import { mappingCapacityProblem } from '../../core/design/design';
import { Rng } from '../../core/util/rng';

/**
 * A one-to-one label mapping: `sources[t]` lists the k source labels of target class t.
 * Target logit t = mean of its k source logits.
 */
export type Assignment = number[][];

export class MappingCapacityError extends Error {}

/** Explain, before training, why a one-to-one mapping cannot exist. */
export function checkCapacity(numSource: number, numTarget: number, k: number): void {
  const problem = mappingCapacityProblem(numSource, numTarget, k);
  if (problem) throw new MappingCapacityError(problem);
}

/** RLM: a seeded random disjoint set of k source labels per target class. */
export function randomAssignment(numSource: number, numTarget: number, k: number, seed: number): Assignment {
  checkCapacity(numSource, numTarget, k);
  const order = new Rng(seed).shuffle(Array.from({ length: numSource }, (_, i) => i));
  return Array.from({ length: numTarget }, (_, t) => order.slice(t * k, t * k + k));
}

/**
 * FLM from a count matrix counts[s][t] (how often images of target t had source s as top-1),
 * exactly as the reference: visit entries from the largest count down (ties: smaller s, then
 * smaller t first), assign s to t when t still needs labels and s is unused. Zero counts are
 * visited too, in the same order, so targets short of labels take the lowest unused sources.
 */
export function freqAssignment(counts: ArrayLike<ArrayLike<number>>, numTarget: number, k: number): Assignment {
  const numSource = counts.length;
  checkCapacity(numSource, numTarget, k);
  const order: number[] = [];
  for (let s = 0; s < numSource; s++) for (let t = 0; t < numTarget; t++) order.push(s * numTarget + t);
  const count = (flat: number) => (counts[Math.floor(flat / numTarget)] as ArrayLike<number>)[flat % numTarget] ?? 0;
  order.sort((a, b) => count(b) - count(a) || a - b);

  const result: Assignment = Array.from({ length: numTarget }, () => []);
  const used = new Uint8Array(numSource);
  let done = 0;
  for (const flat of order) {
    if (done === numTarget) break;
    const s = Math.floor(flat / numTarget);
    const t = flat % numTarget;
    const list = result[t] as number[];
    if (used[s] || list.length >= k) continue;
    list.push(s);
    used[s] = 1;
    if (list.length === k) done++;
  }
  return result;
}

/** counts[s][t] from top-1 source predictions and target labels. */
export function countMatrix(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
  numSource: number,
  numTarget: number,
): Float64Array[] {
  const counts = Array.from({ length: numSource }, () => new Float64Array(numTarget));
  for (let i = 0; i < predictions.length; i++) {
    const row = counts[predictions[i] as number];
    if (row) row[labels[i] as number] = (row[labels[i] as number] ?? 0) + 1;
  }
  return counts;
}

/**
 * SemanticMap from a similarity matrix sim[t][s] (higher = closer): k rounds of round-robin over
 * the targets, each taking its most similar unused source.
 */
export function semanticAssignment(sim: ArrayLike<ArrayLike<number>>, numSource: number, k: number): Assignment {
  const numTarget = sim.length;
  checkCapacity(numSource, numTarget, k);
  const ranked = Array.from({ length: numTarget }, (_, t) => {
    const row = sim[t] as ArrayLike<number>;
    return Array.from({ length: numSource }, (_, s) => s).sort(
      (a, b) => (row[b] as number) - (row[a] as number) || a - b,
    );
  });
  const used = new Uint8Array(numSource);
  const cursor = new Array<number>(numTarget).fill(0);
  const result: Assignment = Array.from({ length: numTarget }, () => []);
  for (let round = 0; round < k; round++) {
    for (let t = 0; t < numTarget; t++) {
      const order = ranked[t] as number[];
      let i = cursor[t] as number;
      while (used[order[i] as number]) i++;
      const s = order[i] as number;
      used[s] = 1;
      (result[t] as number[]).push(s);
      cursor[t] = i + 1;
    }
  }
  return result;
}
