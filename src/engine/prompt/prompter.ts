import * as tf from '@tensorflow/tfjs-core';
import type { PromptDesign } from '../../core/design/design';
import { fillsInput } from '../../core/design/kinds';
import { fixedImageSize, placeFixed, promptMask, trainableImageSize } from './geometry';
import { LowRankPattern } from './lowRank';
import { MaskGenerator } from './maskGenerator';
import { RESIZE_SCALE_RANGE, trainableResize } from './trainableResize';

/** How the frozen model wants its input: value range, then optional per-channel normalisation. */
export interface InputSpec {
  canvas: number;
  valueRange: readonly [number, number];
  mean?: readonly number[];
  std?: readonly number[];
}

/** The prompt's tensors as they leave the engine (exports, views). */
export interface PromptState {
  canvas: number;
  /** Raw learnt δ, [canvas, canvas, 3] row-major. */
  delta: Float32Array;
  /** Current mask, [canvas, canvas]. */
  mask: Float32Array;
  /** Learnt scale (trainable resize) or the fixed scale. */
  scale: number;
  /** Side of the image on the canvas. */
  imageSize: number;
  /**
   * What the prompt learnt besides δ, by export name: the low-rank factors (δ is then their
   * product B·A) or SMM's mask generator (weights and BN statistics).
   */
  tensors?: Record<string, Float32Array>;
}

/**
 * The input side of visual prompting: scale and place the image on the model's canvas, add the
 * masked prompt, map to the model's value range and normalisation. Owns the trainable δ and, with
 * trainable resize, the scale. The low-rank prompt (LoR-VP) owns factors B, A instead of δ and
 * adds B·A before the model's range; SMM owns δ and a mask generator and adds δ ⊙ mask(image)
 * after it (each as its official code does; ../shared/METHODS.md §2, §3). Both resize the image
 * to the whole canvas.
 */
export class Prompter {
  readonly scale: tf.Variable<tf.Rank.R0> | null;
  readonly lowRank: LowRankPattern | null;
  readonly maskGenerator: MaskGenerator | null;
  private readonly deltaVariable: tf.Variable<tf.Rank.R3> | null;
  private readonly fixedMask: tf.Tensor3D | null;
  private readonly fixedSize: number;

  constructor(
    readonly design: PromptDesign,
    readonly input: InputSpec,
    name: string,
    seed = 0,
  ) {
    const c = input.canvas;
    const whole = fillsInput(design.prompt);
    if (whole && design.trainableResize) {
      throw new Error(`Trainable resize does not apply to the ${design.prompt} prompt, which resizes the image to the model's whole input: turn it off.`);
    }
    this.maskGenerator = design.prompt === 'smm' ? new MaskGenerator(c, name, seed) : null;
    this.lowRank = design.prompt === 'lowrank' ? new LowRankPattern(c, design.promptRank, name, seed) : null;
    this.deltaVariable = this.lowRank
      ? null
      : tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R3>([c, c, 3]), true, `${name}/prompt`));
    this.fixedSize = whole ? c : fixedImageSize(design.baseSize, design.inputScale, c);
    if (design.trainableResize) {
      this.scale = tf.tidy(() => tf.variable(tf.scalar(design.inputScale), true, `${name}/resize_scale`));
      this.fixedMask = null;
    } else {
      this.scale = null;
      this.fixedMask = tf.keep(promptMask(design.prompt, c, this.fixedSize, design.patchSize));
    }
  }

  /** The trainable δ [canvas, canvas, 3]; a low-rank prompt has none (its pattern is B·A). */
  get delta(): tf.Variable<tf.Rank.R3> {
    if (!this.deltaVariable) throw new Error('a low-rank prompt has no δ tensor: its pattern is the product of its factors');
    return this.deltaVariable;
  }

  /** True when the prompt differs from example to example (SMM's masks). */
  get sampleSpecific(): boolean {
    return this.maskGenerator !== null;
  }

  variables(): tf.Variable[] {
    if (this.lowRank) return this.lowRank.variables();
    const own = this.scale ? [this.delta, this.scale] : [this.delta];
    return this.maskGenerator ? [...own, ...this.maskGenerator.variables()] : own;
  }

  /** The additive pattern before the mask: δ, or B·A for a low-rank prompt. */
  pattern(): tf.Tensor3D {
    return this.lowRank ? this.lowRank.pattern() : this.delta.clone();
  }

  /** The mask for the current scale, [canvas, canvas, 1]. */
  mask(): tf.Tensor3D {
    if (this.fixedMask) return this.fixedMask.clone();
    return tf.tidy(() => {
      const n = trainableImageSize(this.design.baseSize, this.scale as tf.Scalar, this.input.canvas);
      return promptMask(this.design.prompt, this.input.canvas, n, this.design.patchSize);
    });
  }

  /** The image placed on the canvas (no prompt), values in [0, 1]. */
  place(base: tf.Tensor4D): tf.Tensor4D {
    if (this.scale) return trainableResize(base, this.scale, this.input.canvas);
    return placeFixed(base, this.fixedSize, this.input.canvas);
  }

  /** Placed image + activated, masked prompt, in [0, 1] units (what a person would look at). */
  prompted(base: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      if (this.maskGenerator) return fromModelRange(this.modelInput(base), this.input);
      if (this.lowRank) return tf.add(this.place(base), this.lowRank.pattern()) as tf.Tensor4D;
      const act = this.design.promptActivation === 'sigmoid' ? tf.sigmoid(this.delta) : this.delta;
      return tf.add(this.place(base), tf.mul(act, this.mask())) as tf.Tensor4D;
    });
  }

  /**
   * What the frozen model receives. `training`: SMM's mask generator uses batch statistics and
   * updates its running ones (the other prompts do not depend on it).
   */
  modelInput(base: tf.Tensor4D, training = false): tf.Tensor4D {
    return tf.tidy(() => {
      if (!this.maskGenerator) return toModelRange(this.prompted(base), this.input);
      const x = toModelRange(this.place(base), this.input);
      return tf.add(x, tf.mul(this.delta, this.maskGenerator.apply(x, training))) as tf.Tensor4D;
    });
  }

  /** SMM's masks of a batch at the canvas's resolution [B, canvas, canvas, 3] (inference mode). */
  sampleMasks(base: tf.Tensor4D): tf.Tensor4D {
    const generator = this.maskGenerator;
    if (!generator) throw new Error(`a ${this.design.prompt} prompt has no per-image masks`);
    return tf.tidy(() => generator.apply(toModelRange(this.place(base), this.input), false));
  }

  /**
   * Copies of what the prompt learns besides δ (the factors, or the mask generator with its BN
   * statistics), by export name, taken now; null for the other prompts. The caller disposes them.
   */
  cloneLearntTensors(): Record<string, tf.Tensor> | null {
    const extra = this.lowRank ?? this.maskGenerator;
    return extra ? Object.fromEntries(extra.named().map(([name, v]) => [name, v.clone()])) : null;
  }

  /** After an optimiser step: keep the scale in the reference's range. */
  clampScale(): void {
    if (!this.scale) return;
    const s = this.scale;
    tf.tidy(() => s.assign(tf.clipByValue(s, RESIZE_SCALE_RANGE[0], RESIZE_SCALE_RANGE[1])));
  }

  async state(): Promise<PromptState> {
    const mask = this.mask();
    const pattern = this.pattern();
    const [delta, maskData, scale, tensors] = await Promise.all([
      pattern.data() as Promise<Float32Array>,
      mask.data() as Promise<Float32Array>,
      this.scale ? this.scale.data() : Promise.resolve(Float32Array.of(this.design.inputScale)),
      (this.lowRank ?? this.maskGenerator)?.tensors(),
    ]);
    tf.dispose([mask, pattern]);
    const s = scale[0] ?? this.design.inputScale;
    const imageSize = this.scale
      ? Math.min(this.input.canvas, Math.floor(Math.fround(this.design.baseSize * s)))
      : this.fixedSize;
    return { canvas: this.input.canvas, delta, mask: maskData, scale: s, imageSize, ...(tensors ? { tensors } : {}) };
  }

  /**
   * Load learnt values (import, resume). A low-rank prompt takes its factors from `tensors` (its
   * δ is their product and is not read); SMM takes δ and its mask generator's tensors.
   */
  load(delta: Float32Array, scale?: number, tensors?: Readonly<Record<string, Float32Array>>): void {
    const c = this.input.canvas;
    const extra = this.lowRank ?? this.maskGenerator;
    if (extra) {
      if (!tensors) throw new Error(`a ${this.design.prompt} prompt loads its learnt tensors too, and none were given`);
      extra.load(tensors);
    }
    if (!this.deltaVariable) return;
    if (delta.length !== c * c * 3) throw new Error(`prompt has ${delta.length} values, expected ${c}×${c}×3`);
    tf.tidy(() => this.delta.assign(tf.tensor3d(delta, [c, c, 3])));
    if (this.scale && scale !== undefined) {
      const s = this.scale;
      tf.tidy(() => s.assign(tf.scalar(scale)));
    }
  }

  dispose(): void {
    this.deltaVariable?.dispose();
    this.lowRank?.dispose();
    this.maskGenerator?.dispose();
    this.scale?.dispose();
    this.fixedMask?.dispose();
  }
}

/** The inverse of toModelRange: the model's (normalised) values back in [0, 1] units. */
function fromModelRange(y: tf.Tensor4D, input: InputSpec): tf.Tensor4D {
  return tf.tidy(() => {
    const [lo, hi] = input.valueRange;
    let x = y;
    if (input.mean && input.std) x = tf.add(tf.mul(x, tf.tensor1d([...input.std])), tf.tensor1d([...input.mean])) as tf.Tensor4D;
    return lo === 0 && hi === 1 ? x : (tf.div(tf.sub(x, lo), hi - lo) as tf.Tensor4D);
  });
}

/** Map [0, 1] values to the model's range, then normalise per channel if the model says so. */
export function toModelRange(x: tf.Tensor4D, input: InputSpec): tf.Tensor4D {
  return tf.tidy(() => {
    const [lo, hi] = input.valueRange;
    let y: tf.Tensor4D = lo === 0 && hi === 1 ? x : (tf.add(tf.mul(x, hi - lo), lo) as tf.Tensor4D);
    if (input.mean && input.std) {
      y = tf.div(tf.sub(y, tf.tensor1d([...input.mean])), tf.tensor1d([...input.std])) as tf.Tensor4D;
    }
    return y;
  });
}
