import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, type RawTensor, type SafetensorsFile } from '../../export/safetensors';
import type { ClipConfig, ClipTowerConfig } from './clipConfig';

/**
 * CLIP's weights from model.safetensors (CLIPModel's tensor names) as frozen tfjs tensors, checked
 * against config.json. Linear weights are kept transposed ([in, out]) for x·W; the patch embedding
 * as a conv filter [p, p, 3, hidden]. Extra tensors (the int64 position_ids buffers of older
 * checkpoints) are ignored.
 */
export class ClipWeights {
  private constructor(private readonly tensors: Map<string, tf.Tensor>) {}

  get(name: string): tf.Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`CLIP weight ${name} is not loaded`);
    return t;
  }

  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }

  /** Reads and checks every tensor the config calls for; throws naming the first one that is missing or misshapen. */
  static fromSafetensors(bytes: Uint8Array, config: ClipConfig): ClipWeights {
    let file: SafetensorsFile;
    try {
      file = decodeSafetensors(bytes, { maxHeaderBytes: 16 * 1024 * 1024, maxTensors: 8192 });
    } catch (e) {
      throw new Error(`model.safetensors is not a valid safetensors file: ${(e as Error).message}.`, { cause: e });
    }
    const out = new Map<string, tf.Tensor>();
    try {
      for (const [name, { shape, layout }] of expectedTensors(config)) {
        const raw = file.tensors.get(name);
        if (!raw) {
          throw new Error(
            `model.safetensors has no tensor "${name}", which config.json calls for. ` +
              'Is this the model.safetensors of the same CLIP checkpoint (CLIPModel layout)?',
          );
        }
        if (raw.shape.join(',') !== shape.join(',')) {
          throw new Error(`model.safetensors: "${name}" is [${raw.shape.join(', ')}] but config.json implies [${shape.join(', ')}].`);
        }
        out.set(name, tf.tidy(() => arrange(tf.tensor(floatValues(raw, name), shape, 'float32'), layout)));
        file.tensors.delete(name); // release the bytes as we go: checkpoints are large
      }
    } catch (e) {
      for (const t of out.values()) t.dispose();
      throw e;
    }
    return new ClipWeights(out);
  }
}

type Layout = 'as-is' | 'linear' | 'conv';

function arrange(t: tf.Tensor, layout: Layout): tf.Tensor {
  if (layout === 'linear') return tf.transpose(t); // torch [out, in] → [in, out]
  if (layout === 'conv') return tf.transpose(t, [2, 3, 1, 0]); // torch [out, in, kh, kw] → [kh, kw, in, out]
  return t;
}

/** float32 values of an F32, F16 or BF16 tensor (little-endian, as the format stores them). */
function floatValues(raw: RawTensor, name: string): Float32Array {
  const b = raw.bytes;
  if (raw.dtype === 'F32') {
    // The reader hands each tensor its own copy; view it in place when aligned (typed arrays are little-endian).
    return b.byteOffset % 4 === 0 ? new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4) : new Float32Array(b.slice().buffer);
  }
  const halves = new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const out = new Float32Array(halves.length);
  if (raw.dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < halves.length; i++) bits[i] = (halves[i] as number) << 16;
    return out;
  }
  if (raw.dtype === 'F16') {
    for (let i = 0; i < halves.length; i++) out[i] = halfToFloat(halves[i] as number);
    return out;
  }
  throw new Error(`model.safetensors: "${name}" is ${raw.dtype}; CLIP weights must be F32, F16 or BF16.`);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Every tensor CLIPModel holds for this config, with its stored shape and how it is kept. */
function expectedTensors(c: ClipConfig): Map<string, { shape: number[]; layout: Layout }> {
  const m = new Map<string, { shape: number[]; layout: Layout }>();
  const add = (name: string, shape: number[], layout: Layout = 'as-is') => m.set(name, { shape, layout });
  const norm = (name: string, w: number) => {
    add(`${name}.weight`, [w]);
    add(`${name}.bias`, [w]);
  };
  const encoder = (prefix: string, t: ClipTowerConfig) => {
    const w = t.hiddenSize;
    for (let i = 0; i < t.layers; i++) {
      const p = `${prefix}.encoder.layers.${i}`;
      for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
        add(`${p}.self_attn.${proj}.weight`, [w, w], 'linear');
        add(`${p}.self_attn.${proj}.bias`, [w]);
      }
      norm(`${p}.layer_norm1`, w);
      norm(`${p}.layer_norm2`, w);
      add(`${p}.mlp.fc1.weight`, [t.intermediateSize, w], 'linear');
      add(`${p}.mlp.fc1.bias`, [t.intermediateSize]);
      add(`${p}.mlp.fc2.weight`, [w, t.intermediateSize], 'linear');
      add(`${p}.mlp.fc2.bias`, [w]);
    }
  };
  const v = c.vision;
  const grid = v.imageSize / v.patchSize;
  add('vision_model.embeddings.class_embedding', [v.hiddenSize]);
  add('vision_model.embeddings.patch_embedding.weight', [v.hiddenSize, 3, v.patchSize, v.patchSize], 'conv');
  add('vision_model.embeddings.position_embedding.weight', [grid * grid + 1, v.hiddenSize]);
  norm('vision_model.pre_layrnorm', v.hiddenSize);
  encoder('vision_model', v);
  norm('vision_model.post_layernorm', v.hiddenSize);
  add('visual_projection.weight', [c.projectionDim, v.hiddenSize], 'linear');
  const t = c.text;
  add('text_model.embeddings.token_embedding.weight', [t.vocabSize, t.hiddenSize]);
  add('text_model.embeddings.position_embedding.weight', [t.maxPositions, t.hiddenSize]);
  encoder('text_model', t);
  norm('text_model.final_layer_norm', t.hiddenSize);
  add('text_projection.weight', [c.projectionDim, t.hiddenSize], 'linear');
  add('logit_scale', []);
  return m;
}
