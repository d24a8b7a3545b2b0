/**
 * What a prompt learns besides δ, as prompt files hold it: the low-rank prompt's factors and SMM's
 * mask generator (weights and BN statistics), each under its export name. Plain data: shared by
 * the writer (promptFile.ts) and the reader (promptFileReader.ts).
 */
import type { PromptDesign } from '../../core/design/design';
import { LOW_RANK_A, LOW_RANK_B, lowRankShapes } from '../prompt/lowRank';
import { maskGeneratorShapes } from '../prompt/maskGenerator';

/** The learnt tensors of a prompt of this design on this canvas, by export name, with their shapes. */
export function learntPromptTensorShapes(design: Pick<PromptDesign, 'prompt' | 'promptRank'>, canvas: number): Record<string, number[]> {
  if (design.prompt === 'lowrank') return lowRankShapes(canvas, design.promptRank);
  if (design.prompt === 'smm') return maskGeneratorShapes();
  return {};
}

/**
 * How far a file's `prompt` tensor ([C, C, 3]) is from the product of its factors B [3, C, r] and
 * A [3, r, C], relative to the largest value (a written file is within float32 rounding).
 */
export function lowRankMismatch(pattern: Float32Array, tensors: Readonly<Record<string, Float32Array>>, canvas: number, rank: number): number {
  const b = tensors[LOW_RANK_B] as Float32Array;
  const a = tensors[LOW_RANK_A] as Float32Array;
  let worst = 0;
  let scale = 1e-12;
  for (let ch = 0; ch < 3; ch++) {
    for (let i = 0; i < canvas; i++) {
      for (let j = 0; j < canvas; j++) {
        let v = 0;
        for (let k = 0; k < rank; k++) v += (b[(ch * canvas + i) * rank + k] as number) * (a[(ch * rank + k) * canvas + j] as number);
        worst = Math.max(worst, Math.abs(v - (pattern[(i * canvas + j) * 3 + ch] as number)));
        scale = Math.max(scale, Math.abs(v));
      }
    }
  }
  return worst / scale;
}
