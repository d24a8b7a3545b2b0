import * as tf from '@tensorflow/tfjs-core';
import type { PromptDesign } from '../../core/design/design';
import { fixedImageSize, placeFixed, promptMask, trainableImageSize } from './geometry';
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
}

/**
 * The input side of visual prompting: scale and place the image on the model's canvas, add the
 * masked prompt, map to the model's value range and normalisation. Owns the trainable δ and, with
 * trainable resize, the scale.
 */
export class Prompter {
  readonly delta: tf.Variable<tf.Rank.R3>;
  readonly scale: tf.Variable<tf.Rank.R0> | null;
  private readonly fixedMask: tf.Tensor3D | null;
  private readonly fixedSize: number;

  constructor(
    readonly design: PromptDesign,
    readonly input: InputSpec,
    name: string,
  ) {
    const c = input.canvas;
    this.delta = tf.tidy(() => tf.variable(tf.zeros<tf.Rank.R3>([c, c, 3]), true, `${name}/prompt`));
    this.fixedSize = fixedImageSize(design.baseSize, design.inputScale, c);
    if (design.trainableResize) {
      this.scale = tf.tidy(() => tf.variable(tf.scalar(design.inputScale), true, `${name}/resize_scale`));
      this.fixedMask = null;
    } else {
      this.scale = null;
      this.fixedMask = tf.keep(promptMask(design.prompt, c, this.fixedSize, design.patchSize));
    }
  }

  variables(): tf.Variable[] {
    return this.scale ? [this.delta, this.scale] : [this.delta];
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
      const act = this.design.promptActivation === 'sigmoid' ? tf.sigmoid(this.delta) : this.delta;
      return tf.add(this.place(base), tf.mul(act, this.mask())) as tf.Tensor4D;
    });
  }

  /** What the frozen model receives. */
  modelInput(base: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => toModelRange(this.prompted(base), this.input));
  }

  /** After an optimiser step: keep the scale in the reference's range. */
  clampScale(): void {
    if (!this.scale) return;
    const s = this.scale;
    tf.tidy(() => s.assign(tf.clipByValue(s, RESIZE_SCALE_RANGE[0], RESIZE_SCALE_RANGE[1])));
  }

  async state(): Promise<PromptState> {
    const mask = this.mask();
    const [delta, maskData, scale] = await Promise.all([
      this.delta.data() as Promise<Float32Array>,
      mask.data() as Promise<Float32Array>,
      this.scale ? this.scale.data() : Promise.resolve(Float32Array.of(this.design.inputScale)),
    ]);
    mask.dispose();
    const s = scale[0] ?? this.design.inputScale;
    const imageSize = this.scale
      ? Math.min(this.input.canvas, Math.floor(Math.fround(this.design.baseSize * s)))
      : this.fixedSize;
    return { canvas: this.input.canvas, delta, mask: maskData, scale: s, imageSize };
  }

  /** Load learnt values (import, resume). */
  load(delta: Float32Array, scale?: number): void {
    const c = this.input.canvas;
    if (delta.length !== c * c * 3) throw new Error(`prompt has ${delta.length} values, expected ${c}×${c}×3`);
    tf.tidy(() => this.delta.assign(tf.tensor3d(delta, [c, c, 3])));
    if (this.scale && scale !== undefined) {
      const s = this.scale;
      tf.tidy(() => s.assign(tf.scalar(scale)));
    }
  }

  dispose(): void {
    this.delta.dispose();
    this.scale?.dispose();
    this.fixedMask?.dispose();
  }
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
