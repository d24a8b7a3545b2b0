/**
 * CLIP ViT-B/32 at its real size with random weights (timing needs no pretrained values): the
 * image tower's forward and one VP step (padding prompt, identity activation, FullyMap on the
 * class logits) at batch 32 on tfjs WASM in Node, beside the same in PyTorch (python/autovp/
 * clip_reference.py reading the same model.safetensors).
 *
 *   node --import tsx --import ./bench/lib/nodeHooks.mjs bench/clipVit.ts [--batch 32] [--repeats 2] [--no-torch]
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
// Registers tfjs's gradient functions (tfjs-core's Node bundle does not, and its own module does not load under tsx).
import '@tensorflow/tfjs-layers';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clipVpRecipe } from '../src/core/design/clipRecipe';
import { DEFAULT_DESIGN } from '../src/core/design/schema';
import type { VPDesign } from '../src/core/design/design';
import { Rng } from '../src/core/util/rng';
import { toBatchTensor } from '../src/engine/data/batches';
import { encodeSafetensors, type TensorInput } from '../src/engine/export/safetensors';
import { buildClipCheckpoint } from '../src/engine/models/clip/clipCheckpoint';
import { createClipSourceModel } from '../src/engine/models/clip/clipSource';
import { PromptTrainer } from '../src/engine/train/trainer';
import { VisualPromptModel } from '../src/engine/train/visualPromptModel';
import { syntheticImageSet } from './lib/vpStep';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const BATCH = arg('batch', 32);
const REPEATS = arg('repeats', 2);
const ROOT = join(import.meta.dirname, '..');

const VISION = { hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, image_size: 224, patch_size: 32, hidden_act: 'quick_gelu', layer_norm_eps: 1e-5 };
const TEXT = { hidden_size: 512, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 8, max_position_embeddings: 77, vocab_size: 630, hidden_act: 'quick_gelu', layer_norm_eps: 1e-5 };

/** Random tensors with CLIPModel's names and B/32's shapes (the text tower's vocabulary is the test fixture's 630 tokens: it is not timed). */
function randomWeights(): Record<string, TensorInput> {
  const rng = new Rng(1);
  const out: Record<string, TensorInput> = {};
  const add = (name: string, shape: number[], std: number, mean = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    out[name] = { dtype: 'F32', shape, data: Float32Array.from({ length: n }, () => mean + (rng.next() * 2 - 1) * std * Math.sqrt(3)) };
  };
  const tower = (p: string, c: typeof VISION | typeof TEXT) => {
    const w = c.hidden_size;
    const m = c.intermediate_size;
    for (let i = 0; i < c.num_hidden_layers; i++) {
      const l = `${p}.encoder.layers.${i}`;
      for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
        add(`${l}.self_attn.${proj}.weight`, [w, w], w ** -0.5);
        add(`${l}.self_attn.${proj}.bias`, [w], 0.01);
      }
      for (const n of ['layer_norm1', 'layer_norm2']) {
        add(`${l}.${n}.weight`, [w], 0.05, 1);
        add(`${l}.${n}.bias`, [w], 0.01);
      }
      add(`${l}.mlp.fc1.weight`, [m, w], w ** -0.5);
      add(`${l}.mlp.fc1.bias`, [m], 0.01);
      add(`${l}.mlp.fc2.weight`, [w, m], m ** -0.5);
      add(`${l}.mlp.fc2.bias`, [w], 0.01);
    }
  };
  const norm = (n: string, w: number) => {
    add(`${n}.weight`, [w], 0.05, 1);
    add(`${n}.bias`, [w], 0.01);
  };
  const v = VISION;
  const grid = v.image_size / v.patch_size;
  add('vision_model.embeddings.class_embedding', [v.hidden_size], 0.05);
  add('vision_model.embeddings.patch_embedding.weight', [v.hidden_size, 3, v.patch_size, v.patch_size], (3 * v.patch_size ** 2) ** -0.5);
  add('vision_model.embeddings.position_embedding.weight', [grid * grid + 1, v.hidden_size], 0.02);
  norm('vision_model.pre_layrnorm', v.hidden_size);
  tower('vision_model', v);
  norm('vision_model.post_layernorm', v.hidden_size);
  add('visual_projection.weight', [512, v.hidden_size], v.hidden_size ** -0.5);
  add('text_model.embeddings.token_embedding.weight', [TEXT.vocab_size, TEXT.hidden_size], 0.02);
  add('text_model.embeddings.position_embedding.weight', [TEXT.max_position_embeddings, TEXT.hidden_size], 0.01);
  tower('text_model', TEXT);
  norm('text_model.final_layer_norm', TEXT.hidden_size);
  add('text_projection.weight', [512, TEXT.hidden_size], TEXT.hidden_size ** -0.5);
  out.logit_scale = { dtype: 'F32', shape: [], data: Float32Array.of(Math.log(100)) };
  return out;
}

async function timed(label: string, f: () => Promise<void>): Promise<number> {
  await f(); // warm-up (kernels, allocations)
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t = performance.now();
    await f();
    times.push((performance.now() - t) / 1000);
  }
  const best = Math.min(...times);
  console.log(`${label}: best of ${REPEATS} ${best.toFixed(2)} s (${times.map((x) => x.toFixed(2)).join(', ')})`);
  return best;
}

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  const dir = mkdtempSync(join(tmpdir(), 'autovp-clip-bench-'));
  try {
    const config = { projection_dim: 512, vision_config: VISION, text_config: TEXT };
    const weights = encodeSafetensors(randomWeights());
    writeFileSync(join(dir, 'model.safetensors'), weights);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    // Texts are not timed: the test fixture's small tokenizer.json is enough to build the class head.
    const tokenizer = readFileSync(join(ROOT, 'test', 'fixtures', 'tiny-clip', 'tokenizer.json'), 'utf8');
    const enc = new TextEncoder();
    const { model: clip, tokenizer: tok } = buildClipCheckpoint({ config: enc.encode(JSON.stringify(config)), weights, tokenizer: enc.encode(tokenizer) });
    const classes = Array.from({ length: 10 }, (_, i) => `class ${i}`);
    const source = createClipSourceModel(clip, tok, classes, { templates: ['a photo of a {}.'] });
    console.log(`ViT-B/32, random weights (${(weights.byteLength / 1e6).toFixed(0)} MB), batch ${BATCH}, tfjs ${tf.getBackend()}:`);
    // The engine's own step (PromptTrainer.trainStep: prompter → CLIP → FullyMap → cross-entropy,
    // SGD), in micro-batches where the whole batch would exceed the step's memory budget.
    const design: VPDesign = { ...clipVpRecipe(DEFAULT_DESIGN, 224), batchSize: BATCH, epochs: 1, schedule: 'constant' };
    const set = syntheticImageSet(BATCH * 2);
    const model = new VisualPromptModel(source, design, classes.length);
    const all = { set, indices: Int32Array.from({ length: BATCH * 2 }, (_, i) => i) };
    const trainer = new PromptTrainer(model, all, all);
    const batch = all.indices.subarray(0, BATCH);
    const x = toBatchTensor(set, batch, design.baseSize);
    const forward = await timed('forward (prompted, no gradient)', async () => {
      const l = model.logits(x);
      await l.data();
      l.dispose();
    });
    const step = await timed('VP step (the trainer\'s: loss, gradients, update)', async () => {
      await trainer.trainStep(batch);
    });
    const { peakBytes } = await tf.profile(() => trainer.trainStep(batch));
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
    console.log(
      `micro-batches of ${trainer.microBatch} · step/forward ${(step / forward).toFixed(2)} · peak tensor memory in a step ` +
        `${(peakBytes / 1e9).toFixed(2)} GB (weights ${(weights.byteLength / 1e9).toFixed(2)} GB included) · wasm heap ${(heap / 1e9).toFixed(2)} GB`,
    );
    trainer.dispose();
    model.dispose();
    x.dispose();
    source.network.dispose();
    if (!process.argv.includes('--no-torch')) {
      const py = `
import sys, time, torch
sys.path.insert(0, ${JSON.stringify(join(ROOT, 'python'))})
from autovp.clip_reference import ClipReference, CLIP_MEAN, CLIP_STD
from autovp.vp_reference import VisualPromptReference, cross_entropy
torch.manual_seed(0)
clip = ClipReference(${JSON.stringify(dir)})
head = torch.nn.functional.normalize(torch.randn(10, 512), dim=-1)
m = VisualPromptReference(lambda x: clip.logits(clip.image_embeds(x), head), canvas=224, base=${design.baseSize}, input_scale=1.0,
    trainable_resize=False, mean=CLIP_MEAN, std=CLIP_STD, mapping="fully", num_source=10, num_target=10, activation="identity")
x = torch.rand(${BATCH}, 3, ${design.baseSize}, ${design.baseSize}); y = torch.arange(${BATCH}) % 10
def best(f):
    f(); ts = []
    for _ in range(${REPEATS}):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts)
def fwd():
    with torch.no_grad(): m(x)
def step():
    m.zero_grad(); cross_entropy(m(x), y).backward()
f, s = best(fwd), best(step)
print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s): forward {f:.2f} s, VP step {s:.2f} s, step/forward {s/f:.2f}")
`;
      for (const threads of ['1', String(Math.max(1, (await import('node:os')).availableParallelism()))]) {
        const outText = execFileSync(process.env.AUTOVP_PYTHON || '/usr/bin/python3', ['-c', py], {
          env: { ...process.env, OMP_NUM_THREADS: threads, PYTHONNOUSERSITE: '1' },
          encoding: 'utf8',
        });
        process.stdout.write(outText);
        if (threads === '1' && (await import('node:os')).availableParallelism() === 1) break;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
