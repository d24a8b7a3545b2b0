import * as tf from '@tensorflow/tfjs-core';
import type { FrozenOp } from '../../network/ops/frozenOp';
import { frozenWeighted } from '../../network/ops/frozenWeighted';
import { matMulKernel } from '../../network/ops/linearKernels';
import { layerNormOp, quickGeluOp } from '../../network/ops/transformerOps';
import type { ClipConfig, ClipTowerConfig } from './clipConfig';
import type { ClipWeights } from './clipWeights';

/** The normalisation every OpenAI CLIP checkpoint was trained with (its preprocessor_config.json). */
export const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/**
 * CLIP's two towers on plain tfjs-core ops, the weights constant tensors: differentiable with
 * respect to the image only (no op ever reads a weight gradient).
 *
 *   image [B, S, S, 3] normalised → conv p×p stride p (no bias) → [CLS] + patches + positions
 *     → pre_layrnorm → encoder → post_layernorm(CLS) → visual_projection
 *   ids [N, L] → tokens + positions → encoder (causal) → final_layer_norm → first end-of-text → text_projection
 *
 * Encoder layer (pre-norm): h += out_proj(attention(ln1(h))); h += fc2(act(fc1(ln2(h)))).
 *
 * The linear layers and the patch embedding (a matrix product on the image's patches) are frozen
 * ops whose gradient is dL/dx alone: a plain tf.matMul under a tape copies its weight to save it,
 * and its input gradient multiplies by a transposed operand, ten times slower on wasm. LayerNorm
 * and quick_gelu have gradients of their own too (transformerOps.ts).
 */
export class ClipModel {
  private readonly linears = new Map<string, FrozenOp>();
  private readonly layerNorms = new Map<string, (x: tf.Tensor) => tf.Tensor>();
  /** Tensors derived from the weights for those ops. */
  private readonly derived: tf.Tensor[] = [];

  constructor(
    readonly config: ClipConfig,
    readonly weights: ClipWeights,
  ) {}

  /** post_layernorm of the CLS token, [B, vision hidden]: the features for linear probing. */
  imagePooled(x: tf.Tensor4D): tf.Tensor2D {
    const v = this.config.vision;
    const [b, h, w, c] = x.shape;
    if (h !== v.imageSize || w !== v.imageSize || c !== 3) {
      throw new Error(`CLIP takes ${v.imageSize}×${v.imageSize}×3 images; got ${h}×${w}×${c}.`);
    }
    return tf.tidy(() => {
      const W = (n: string) => this.weights.get(`vision_model.${n}`);
      const cls = tf.broadcastTo(tf.reshape(W('embeddings.class_embedding'), [1, 1, v.hiddenSize]), [b, 1, v.hiddenSize]);
      let hidden = tf.concat([cls, this.patchEmbedding(x)], 1) as tf.Tensor3D;
      hidden = tf.add(hidden, W('embeddings.position_embedding.weight'));
      hidden = this.layerNorm(hidden, 'vision_model.pre_layrnorm', v.layerNormEps);
      hidden = this.encoder(hidden, 'vision_model', v, null);
      const first = tf.reshape(tf.slice(hidden, [0, 0, 0], [b, 1, v.hiddenSize]), [b, v.hiddenSize]);
      return this.layerNorm(first, 'vision_model.post_layernorm', v.layerNormEps) as tf.Tensor2D;
    });
  }

  /** Image embeddings [B, projection] (not normalised). */
  imageEmbeds(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.matMul(this.imagePooled(x), this.weights.get('visual_projection.weight') as tf.Tensor2D));
  }

  /**
   * Text embeddings [N, projection] (not normalised) of token-id rows; each row is pooled at its
   * first `eosId` (CLIP's end-of-text; the tail after it never reaches it through the causal mask).
   */
  textEmbeds(ids: readonly (readonly number[])[], eosId: number): tf.Tensor2D {
    const t = this.config.text;
    const n = ids.length;
    const len = Math.max(...ids.map((r) => r.length));
    if (len > t.maxPositions) throw new Error(`a text of ${len} tokens is longer than CLIP's ${t.maxPositions} positions`);
    const at = ids.map((r, i) => {
      const k = r.indexOf(eosId);
      if (k < 0) throw new Error(`text ${i} has no end-of-text token (${eosId})`);
      return i * len + k;
    });
    const flat = Int32Array.from(ids.flatMap((r) => [...r, ...new Array<number>(len - r.length).fill(eosId)]));
    return tf.tidy(() => {
      const W = (name: string) => this.weights.get(`text_model.${name}`);
      const tokens = tf.reshape(tf.gather(W('embeddings.token_embedding.weight'), tf.tensor1d(flat, 'int32')), [n, len, t.hiddenSize]);
      let hidden = tf.add(tokens, tf.slice(W('embeddings.position_embedding.weight'), [0, 0], [len, t.hiddenSize])) as tf.Tensor3D;
      const future = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([len, len]), -1, 0)), -1e9);
      hidden = this.encoder(hidden, 'text_model', t, future);
      hidden = this.layerNorm(hidden, 'text_model.final_layer_norm', t.layerNormEps);
      const pooled = tf.gather(tf.reshape(hidden, [n * len, t.hiddenSize]), tf.tensor1d(at, 'int32'));
      return tf.matMul(pooled, this.weights.get('text_projection.weight') as tf.Tensor2D);
    });
  }

  /** exp(logit_scale), the temperature of CLIP's logits. */
  logitScale(): number {
    return Math.exp(this.weights.get('logit_scale').dataSync()[0] as number);
  }

  dispose(): void {
    for (const op of this.linears.values()) op.dispose();
    this.linears.clear();
    tf.dispose(this.derived.splice(0));
    this.weights.dispose();
  }

  /** x·W + b on the last axis, W kept [in, out]. */
  private linear(x: tf.Tensor, prefix: string): tf.Tensor {
    return this.frozenLinear(prefix, () => ({
      kernel: this.weights.get(`${prefix}.weight`) as tf.Tensor2D,
      bias: this.weights.get(`${prefix}.bias`),
    })).apply([x]);
  }

  /**
   * The p×p stride-p convolution as a product: [B, S, S, 3] → patches [B, g², p·p·3] (rows, then
   * columns, then channels inside a patch, as the [p, p, 3, hidden] kernel flattens) → [B, g², hidden].
   */
  private patchEmbedding(x: tf.Tensor4D): tf.Tensor3D {
    const { patchSize: p, imageSize, hiddenSize } = this.config.vision;
    const b = x.shape[0];
    const g = imageSize / p;
    const rows = tf.transpose(tf.reshape(x, [b * g, p, g, p * 3]), [0, 2, 1, 3]);
    const patches = tf.reshape(rows, [b, g * g, p * p * 3]);
    const op = this.frozenLinear('vision_model.embeddings.patch_embedding', () => {
      const kernel = tf.keep(tf.reshape(this.weights.get('vision_model.embeddings.patch_embedding.weight'), [p * p * 3, hiddenSize]));
      this.derived.push(kernel);
      return { kernel: kernel as tf.Tensor2D, bias: undefined };
    });
    return op.apply([patches]) as tf.Tensor3D;
  }

  private frozenLinear(name: string, make: () => { kernel: tf.Tensor2D; bias: tf.Tensor | undefined }): FrozenOp {
    let op = this.linears.get(name);
    if (!op) {
      const { kernel, bias } = make();
      op = frozenWeighted(matMulKernel(kernel, bias), { activation: 'linear', alpha: 0 }, undefined);
      this.linears.set(name, op);
    }
    return op;
  }

  private layerNorm<T extends tf.Tensor>(x: T, prefix: string, eps: number): T {
    let op = this.layerNorms.get(prefix);
    if (!op) {
      op = layerNormOp(this.weights.get(`${prefix}.weight`), this.weights.get(`${prefix}.bias`), eps);
      this.layerNorms.set(prefix, op);
    }
    return op(x) as T;
  }

  private activation(x: tf.Tensor, kind: ClipTowerConfig['activation']): tf.Tensor {
    if (kind === 'quick_gelu') return quickGeluOp(x);
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  }

  /** Multi-head self-attention; `mask` [L, L] is added to the scores (−1e9 above the diagonal for text). */
  private attention(x: tf.Tensor3D, prefix: string, heads: number, mask: tf.Tensor | null): tf.Tensor3D {
    const [b, n, width] = x.shape;
    const d = width / heads;
    const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [b, n, heads, d]), [0, 2, 1, 3]);
    const q = split(tf.mul(this.linear(x, `${prefix}.q_proj`), 1 / Math.sqrt(d)));
    const k = split(this.linear(x, `${prefix}.k_proj`));
    const v = split(this.linear(x, `${prefix}.v_proj`));
    let scores = tf.matMul(q as tf.Tensor4D, k as tf.Tensor4D, false, true);
    if (mask) scores = tf.add(scores, mask);
    const out = tf.matMul(tf.softmax(scores), v as tf.Tensor4D);
    return this.linear(tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [b, n, width]), `${prefix}.out_proj`) as tf.Tensor3D;
  }

  private encoder(h: tf.Tensor3D, prefix: string, cfg: ClipTowerConfig, mask: tf.Tensor | null): tf.Tensor3D {
    for (let i = 0; i < cfg.layers; i++) {
      const p = `${prefix}.encoder.layers.${i}`;
      h = tf.add(h, this.attention(this.layerNorm(h, `${p}.layer_norm1`, cfg.layerNormEps), `${p}.self_attn`, cfg.heads, mask));
      const m = this.linear(this.layerNorm(h, `${p}.layer_norm2`, cfg.layerNormEps), `${p}.mlp.fc1`);
      h = tf.add(h, this.linear(this.activation(m, cfg.activation), `${p}.mlp.fc2`));
    }
    return h;
  }
}
