import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { Rng } from '../../core/util/rng';
import { FullyMapping } from '../mapping/labelMapping';
import { buildClipCheckpoint, type ClipCheckpoint } from '../models/clip/clipCheckpoint';
import { classEmbeddings, CLIP_OUTPUTS, createClipSourceModel } from '../models/clip/clipSource';
import { clipNameSimilarity } from '../mapping/semantic/clipSimilarity';
import { crossEntropy, type SourceModel, VisualPromptModel } from '../train/visualPromptModel';
import {
  DifferenceLog, difference, joinPath, projectRoot, readExchange, removeDir, runPython, type Tensor, tempDir,
  torchUnavailable, withinTolerance, writeExchange,
} from '../../../test/support/parity/support';

/**
 * CLIP in the engine against its PyTorch twin (python/autovp/clip_reference.py), both reading the
 * tiny random CLIP of test/fixtures/tiny-clip (python/scripts/make_tiny_clip.py: the hub's layout
 * and tensor names). Image and text embeddings, class heads, logits, one VP step's loss and
 * gradients, SemanticMap's name similarities agree to 1e-4 relative (to the largest reference
 * magnitude); token ids exactly, the engine's from @huggingface/tokenizers, the twin's from a BPE
 * written from the definition.
 */
const REL = 1e-4;
const ABS = 1e-5;
const FIXTURE = joinPath(projectRoot(), 'test', 'fixtures', 'tiny-clip');
const CLASSES = ['cat', 'dog', 'golden_retriever', 'airplane'];
const TEMPLATES = ['This is a photo of a {}.', 'a bad photo of the {}.', 'a {} in a video game.'];
const TEXTS = [
  'This is a photo of a Cat.', "it's  naïve: 42 dogs!!'s", 'a photo of the hard to see airplane.',
  '   Leading\tand trailing   ', 'émigré café — 東京', 'x'.repeat(3) + ' ' + 'a photo of many cars. '.repeat(6),
];
/** SemanticMap's names: ImageNet-style synonym lists, underscores, words outside the fixture's vocabulary. */
const SEMANTIC = {
  source_names: ['tabby, tabby cat', 'golden retriever', 'airliner', 'great white shark, white shark, man-eater, man-eating shark, Carcharodon carcharias', 'dog', 'Egyptian cat'],
  target_names: ['cat', 'golden_retriever', 'airplane', 'dog', 'naïve café'],
};
const BATCH = 4;
const BASE = 40;

const unavailable = torchUnavailable();

function files(): ClipCheckpoint {
  const read = (name: string) => new Uint8Array(readFileSync(joinPath(FIXTURE, name)));
  return buildClipCheckpoint({ config: read('config.json'), weights: read('model.safetensors'), tokenizer: read('tokenizer.json') });
}

describe.skipIf(unavailable !== null)(`CLIP against PyTorch${unavailable ? ` — SKIPPED: ${unavailable}` : ''}`, () => {
  const log = new DifferenceLog();
  let dir = '';
  let ref: Record<string, Tensor>;
  let clip: ClipCheckpoint;
  const rng = new Rng(7);
  const size = 64;
  const images = Float32Array.from({ length: BATCH * size * size * 3 }, () => rng.next());
  const base = Float32Array.from({ length: BATCH * BASE * BASE * 3 }, () => rng.next());
  const labels = Int32Array.from([0, 1, 2, 1]);
  const delta = Float32Array.from({ length: size * size * 3 }, () => (rng.next() - 0.5) * 0.4);
  const weight = Float32Array.from({ length: CLASSES.length * 3 }, () => rng.next() - 0.5);
  const bias = Float32Array.from({ length: 3 }, () => rng.next() * 0.1);

  beforeAll(async () => {
    await tf.setBackend('cpu');
    clip = files();
    expect(clip.model.config.vision.imageSize).toBe(size);
    dir = tempDir('clip');
    writeExchange(joinPath(dir, 'in'), {
      images: { data: images, shape: [BATCH, size, size, 3] },
      base_images: { data: base, shape: [BATCH, BASE, BASE, 3] },
      labels: { data: labels, shape: [BATCH] },
      delta: { data: delta, shape: [size, size, 3] },
      weight: { data: weight, shape: [CLASSES.length, 3] },
      bias: { data: bias, shape: [3] },
    }, {
      model_dir: FIXTURE, class_names: CLASSES, templates: TEMPLATES, texts: TEXTS, semantic: SEMANTIC,
      vp: { canvas: size, base: BASE, input_scale: 1.0, activation: 'identity' },
    });
    runPython('parity_clip.py', [dir]);
    ref = readExchange(joinPath(dir, 'out')).tensors;
  }, 120_000);

  afterAll(() => {
    clip?.model.dispose();
    if (dir) removeDir(dir);
    if (log.rows.length) console.log(log.format(`CLIP engine vs PyTorch (tolerance ${REL} rel or ${ABS} abs)`));
  });

  function check(name: string, actual: ArrayLike<number>): void {
    const expected = ref[name];
    if (!expected) throw new Error(`the reference wrote no ${name}`);
    const d = log.add(difference(name, actual, expected.data));
    expect(withinTolerance(d, REL, ABS), `${name}: max|Δ| ${d.maxAbs} against max|ref| ${d.scale}`).toBe(true);
  }

  async function take(t: tf.Tensor): Promise<Float32Array> {
    const v = (await t.data()) as Float32Array;
    t.dispose();
    return v;
  }

  it('tokenises like the reference BPE, id for id (long texts cut to the positions, end-of-text kept)', () => {
    const lengths = Array.from(ref.lengths?.data ?? []);
    const flat = Array.from(ref.ids?.data ?? []);
    let at = 0;
    TEXTS.forEach((text, i) => {
      const expected = flat.slice(at, at + (lengths[i] as number));
      at += lengths[i] as number;
      expect(clip.tokenizer.encode(text), text).toEqual(expected);
    });
    expect(Math.max(...lengths)).toBe(clip.model.config.text.maxPositions);
  });

  it('gives the same image features and embeddings', async () => {
    const x = tf.tensor4d(images, [BATCH, size, size, 3]);
    const normalised = tf.div(tf.sub(x, [0.48145466, 0.4578275, 0.40821073]), [0.26862954, 0.26130258, 0.27577711]) as tf.Tensor4D;
    check('image_features', await take(clip.model.imagePooled(normalised)));
    check('image_embeds', await take(clip.model.imageEmbeds(normalised)));
    tf.dispose([x, normalised]);
  });

  it('gives the same text embeddings and class heads (mean over templates, and per template)', async () => {
    const texts = TEMPLATES.flatMap((t) => CLASSES.map((c) => t.replace('{}', c.replace(/_/g, ' '))));
    check('text_embeds', await take(clip.model.textEmbeds(texts.map((t) => clip.tokenizer.encode(t)), clip.tokenizer.eosId)));
    check('head_mean', await take(classEmbeddings(clip.model, clip.tokenizer, CLASSES, { templates: TEMPLATES })));
    check('head_per_template', await take(classEmbeddings(clip.model, clip.tokenizer, CLASSES, { templates: TEMPLATES, head: 'perTemplate', textBatch: 5 })));
  });

  it("gives the same SemanticMap similarities (cosine of the bare names' text embeddings)", async () => {
    const before = tf.memory().numTensors;
    const sim = await clipNameSimilarity(clip, SEMANTIC.source_names, SEMANTIC.target_names);
    expect(tf.memory().numTensors).toBe(before);
    expect(sim.length).toBe(SEMANTIC.source_names.length * SEMANTIC.target_names.length);
    check('semantic_similarity', sim);
  });

  it('gives the same zero-shot logits through the source model', async () => {
    for (const head of ['mean', 'perTemplate'] as const) {
      const source = createClipSourceModel(clip.model, clip.tokenizer, CLASSES, { templates: TEMPLATES, head, ownsModel: false });
      const x = tf.tensor4d(images, [BATCH, size, size, 3]);
      const input = tf.div(tf.sub(x, source.input.mean as number[]), source.input.std as number[]) as tf.Tensor4D;
      const [logits] = source.network.apply(input, [CLIP_OUTPUTS.logits]);
      check(head === 'mean' ? 'logits_mean' : 'logits_per_template', await take(logits as tf.Tensor));
      tf.dispose([x, input]);
      source.network.dispose();
    }
  });

  it("one VP step (padding prompt, identity activation, FullyMap): prompted input, logits, loss and gradients", async () => {
    const source: SourceModel = createClipSourceModel(clip.model, clip.tokenizer, CLASSES, { templates: TEMPLATES, ownsModel: false });
    const design: VPDesign = {
      ...DEFAULT_DESIGN, baseSize: BASE, inputScale: 1, trainableResize: false, prompt: 'pad', promptActivation: 'identity',
      labelMapping: 'fully', batchSize: BATCH,
    };
    const model = new VisualPromptModel(source, design, 3);
    const x = tf.tensor4d(base, [BATCH, BASE, BASE, 3]);
    const y = tf.tensor1d(labels, 'int32');
    try {
      model.prompter.load(delta);
      (model.mapping as FullyMapping).load(weight, bias);
      check('vp/prompted', await take(model.prompter.prompted(x)));
      check('vp/source_logits', await take(model.sourceLogits(x)));
      const mapping = model.mapping as FullyMapping;
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.logits(x), y), model.variables());
      check('vp/loss', await take(value));
      check('vp/grad/delta', await (grads[model.prompter.delta.name] as tf.Tensor).data());
      check('vp/grad/weight', await (grads[mapping.weight.name] as tf.Tensor).data());
      check('vp/grad/bias', await (grads[mapping.bias.name] as tf.Tensor).data());
      tf.dispose(grads);
    } finally {
      tf.dispose([x, y]);
      model.dispose();
      source.network.dispose();
    }
  });
});
