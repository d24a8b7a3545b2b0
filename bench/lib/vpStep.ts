/**
 * The measurement shared by the Node and the browser benchmark: the engine's own training step
 * (PromptTrainer.trainStep: toBatchTensor → VisualPromptModel.logits → crossEntropy under
 * tf.variableGrads → Adam → clampScale → read the loss), and the forward pass of the same
 * prompted model, on the current tfjs backend.
 *
 * Runs in Node and in a module worker: no Node or DOM APIs here.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { VPDesign } from '../../src/core/design/design';
import { DEFAULT_DESIGN } from '../../src/core/design/schema';
import { toBatchTensor } from '../../src/engine/data/batches';
import type { ImageSet } from '../../src/core/data/imageSet';
import { PromptTrainer } from '../../src/engine/train/trainer';
import { createOptimizer } from '../../src/engine/train/optimizer';
import { crossEntropy, type SourceModel, VisualPromptModel } from '../../src/engine/train/visualPromptModel';
import { Rng } from '../../src/core/util/rng';
import { type Timing, timing } from './stats';

export interface StepOptions {
  batch: number;
  /** Timed repetitions of each of forward and step (after `warmup` untimed ones). */
  runs: number;
  warmup: number;
  /** Target classes of the task (FullyMap from the source logits). */
  numTarget?: number;
  /** Called after every timed or warm-up run, for progress output. */
  onProgress?: (what: string) => void;
  /**
   * CPU time of this process in ms (Node: process.cpuUsage), when available: on a machine
   * loaded by other processes, CPU time of a single-threaded run is steadier than wall time.
   */
  cpuNow?: () => number;
}

export interface StepResult {
  batch: number;
  inputSize: number;
  forward: Timing;
  vpStep: Timing;
  /** toBatchTensor inside each timed step. */
  data: Timing;
  ratio: number;
  imagesPerSecond: number;
  leakedTensorsPerStep: number;
  leakedBytesPerStep: number;
  dataPipelineShare: number;
  /** CPU time of this process per forward and per step (only where options.cpuNow exists). */
  forwardCpu?: Timing;
  vpStepCpu?: Timing;
  /** Loss of the first and last step: training does move (a sanity check, not a metric). */
  lossFirst: number;
  lossLast: number;
}

/** The design the benchmark trains: the app's defaults (pad prompt, scale 1, FullyMap, Adam). */
export function benchDesign(batch: number): VPDesign {
  return { ...DEFAULT_DESIGN, batchSize: batch, epochs: 1, schedule: 'constant' };
}

/** A CIFAR-like task: 32×32 RGB images of 10 classes, random pixels (speed does not depend on them). */
export function syntheticImageSet(count: number, seed = 1): ImageSet {
  const rng = new Rng(seed);
  const side = 32;
  const pixels = new Uint8Array(count * side * side * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(rng.next() * 256);
  const labels = Int32Array.from({ length: count }, (_, i) => i % 10);
  return { height: side, width: side, channels: 3, pixels, labels };
}

const now = (): number => performance.now();

export async function measureVpStep(source: SourceModel, options: StepOptions): Promise<StepResult> {
  const { batch, runs, warmup } = options;
  const design = benchDesign(batch);
  const numTarget = options.numTarget ?? 10;
  const set = syntheticImageSet(batch * 4);
  const model = new VisualPromptModel(source, design, numTarget);
  const batches = Array.from({ length: 4 }, (_, b) => Int32Array.from({ length: batch }, (__, i) => b * batch + i));
  const trainer = new PromptTrainer(model, { set, indices: Int32Array.from({ length: set.labels.length }, (_, i) => i) }, {
    set,
    indices: batches[0] as Int32Array,
  });
  let stepCount = 0;
  const losses: number[] = [];

  const cpu = options.cpuNow;
  const [forwardCpu, stepCpu]: [number[], number[]] = [[], []];
  // One training step of the engine; returns [total ms, toBatchTensor ms (timed apart, same batch)].
  const step = async (): Promise<[number, number]> => {
    const indices = batches[stepCount % batches.length] as Int32Array;
    const t0 = now();
    tf.dispose(toBatchTensor(set, indices, design.baseSize));
    const dataMs = now() - t0;
    const c0 = cpu?.() ?? 0;
    const t1 = now();
    const { loss } = await trainer.trainStep(indices);
    const total = now() - t1;
    if (cpu) stepCpu.push(cpu() - c0);
    losses.push(loss);
    stepCount++;
    return [total, dataMs];
  };

  // The prompted model's forward pass (no tape) on a ready batch: what inference costs.
  const fixed = toBatchTensor(set, batches[0] as Int32Array, design.baseSize);
  const forward = async (): Promise<number> => {
    const c0 = cpu?.() ?? 0;
    const t0 = now();
    const logits = model.logits(fixed);
    await logits.data();
    const ms = now() - t0;
    if (cpu) forwardCpu.push(cpu() - c0);
    logits.dispose();
    return ms;
  };

  try {
    for (let i = 0; i < warmup; i++) {
      await forward();
      options.onProgress?.(`warm-up forward ${i + 1}/${warmup}`);
      await step();
      options.onProgress?.(`warm-up step ${i + 1}/${warmup}`);
    }
    forwardCpu.length = 0;
    stepCpu.length = 0;
    const [forwardMs, stepMs, dataMs] = [[] as number[], [] as number[], [] as number[]];
    const tensorsBefore = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    // Interleaved, so load from other processes hits both alike.
    for (let i = 0; i < runs; i++) {
      forwardMs.push(await forward());
      options.onProgress?.(`forward ${i + 1}/${runs}: ${forwardMs[i]?.toFixed(0)} ms`);
      const [total, data] = await step();
      stepMs.push(total);
      dataMs.push(data);
      options.onProgress?.(`step ${i + 1}/${runs}: ${total.toFixed(0)} ms`);
    }
    // Forward passes dispose everything they make, so any growth comes from the steps.
    const leakedTensorsPerStep = (tf.memory().numTensors - tensorsBefore) / runs;
    const leakedBytesPerStep = (tf.memory().numBytes - bytesBefore) / runs;
    const fw = timing(forwardMs);
    const st = timing(stepMs);
    const data = timing(dataMs);
    return {
      batch,
      inputSize: source.input.canvas,
      forward: fw,
      vpStep: st,
      data,
      ratio: st.median / fw.median,
      imagesPerSecond: (batch * 1000) / st.median,
      leakedTensorsPerStep,
      leakedBytesPerStep,
      dataPipelineShare: data.median / st.median,
      ...(cpu ? { forwardCpu: timing(forwardCpu), vpStepCpu: timing(stepCpu) } : {}),
      lossFirst: losses[0] as number,
      lossLast: losses[losses.length - 1] as number,
    };
  } finally {
    fixed.dispose();
    trainer.dispose();
    model.dispose();
  }
}

/**
 * One batch's forward pass and VP step (logits, cross-entropy, input gradient, Adam at
 * `learningRate`) as closures, for the profiling and kernel benchmarks; 0 keeps the prompt fixed.
 */
export function vpWorkload(source: SourceModel, batch: number, learningRate: number) {
  const design = benchDesign(batch);
  const model = new VisualPromptModel(source, design, 10);
  const optimizer = createOptimizer(design);
  const variables = model.variables();
  const set = syntheticImageSet(batch);
  const indices = Int32Array.from({ length: batch }, (_, i) => i);
  const x = toBatchTensor(set, indices, design.baseSize);
  const y = tf.tensor1d(Array.from(indices, (i) => set.labels[i] as number), 'int32');
  return {
    forward: (): tf.Tensor => model.logits(x),
    step: (): tf.Tensor => {
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.logits(x), y), variables);
      optimizer.step(variables, grads, learningRate);
      tf.dispose(grads);
      return value;
    },
    dispose: () => {
      tf.dispose([x, y]);
      optimizer.dispose();
      model.dispose();
    },
  };
}
