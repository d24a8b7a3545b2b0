import * as tf from '@tensorflow/tfjs-core';
import { asFirstUse } from '../backend/backendFailure';
import { BatchPrefetcher, epochBatches, pixelsToBatchTensor } from '../data/batches';
import { imageBytes } from '../../core/data/imageSet';
import { freqAssignment } from '../mapping/assignments';
import { BayesianMapping } from '../mapping/bayesianMapping';
import { IndexMapping, type MappingState } from '../mapping/labelMapping';
import { Rng } from '../../core/util/rng';
import { bayesianCounts, type Evaluation, evaluate, labelsOf, sourcePredictionCounts, yieldToEventLoop } from './evaluate';
import type { SplitImages } from '../../core/data/runSplits';
import { FiniteGuard } from './finiteGuard';
import { createOptimizer, type Optimizer, type OptimizerState, scheduledLearningRate } from './optimizer';
import { microBatchFor } from './stepMemory';
import { crossEntropy, type VisualPromptModel } from './visualPromptModel';

export interface BatchMetrics {
  epoch: number;
  batch: number;
  batchesPerEpoch: number;
  step: number;
  totalSteps: number;
  loss: number;
  accuracy: number;
  learningRate: number;
  /** Learnt scale with trainable resize. */
  scale?: number;
  imagesPerSecond: number;
  elapsedSeconds: number;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  seconds: number;
}

/**
 * What the trainer itself holds at an epoch's end, beside the prompt and mapping (the prompt
 * file): with both, a run continues exactly as if it had never been interrupted. Plain data.
 */
export interface TrainerState {
  epochs: EpochMetrics[];
  step: number;
  images: number;
  /** The batch shuffler's generator. */
  rng: number;
  optimizer: OptimizerState;
}

export interface TrainCallbacks {
  onBatch?(m: BatchMetrics): void;
  /**
   * After an epoch. `captureState`, called now (synchronously), clones the trainer's state and
   * returns the function that downloads it (call that exactly once).
   */
  onEpoch?(m: EpochMetrics, captureState: () => () => Promise<TrainerState>): void;
  /** The label mapping was (re)computed (FreqMap once, IterMap every `interval` epochs, BLM every epoch). */
  onMapping?(epoch: number, state: MappingState): void;
  /** Checked between batches; training ends cleanly when it returns true. */
  shouldStop?(): boolean;
  /** A batch is too large for one pass within the step's memory budget: it runs `images` at a time. */
  onMicroBatch?(images: number): void;
}

/** A step's (or a micro-batch's) loss, number correct and gradients. */
type StepParts = { value: tf.Scalar; correct: tf.Scalar; grads: tf.NamedTensorMap };

/** Where a run's loss stopped being finite; the model holds the values of `keptStep`. */
export interface Divergence {
  epoch: number;
  /** The 1-based step whose loss was not finite (the validation after it, for `during: 'validation'`). */
  step: number;
  loss: number;
  during: 'training' | 'validation';
  /** The 1-based step whose finite loss the kept values gave; null: none did (the values are untrained or broken). */
  keptStep: number | null;
}

export interface TrainResult {
  epochs: EpochMetrics[];
  validation: Evaluation | null;
  stopped: boolean;
  steps: number;
  /** Set when training stopped on a loss that was not finite. */
  diverged: Divergence | null;
}

/**
 * Recount a mapping from the prompted model's current source outputs on the training images:
 * FreqMap/IterMap's assignment from top-1 counts, BLM/BLM+'s ω from (soft) counts.
 */
export async function updateFrequencyMapping(model: VisualPromptModel, train: SplitImages, batchSize: number) {
  const mapping = model.mapping;
  if (mapping instanceof BayesianMapping) {
    mapping.setCounts(await bayesianCounts(model, mapping, train, batchSize));
    return;
  }
  if (!(mapping instanceof IndexMapping)) throw new Error('only one-to-one and Bayesian mappings are counted');
  const counts = await sourcePredictionCounts(model, train, batchSize);
  mapping.setAssignment(freqAssignment(counts, model.numTarget, mapping.k));
}

/**
 * Trains the prompt (and the scale / mapping where trainable) of `model` on `train` one epoch at
 * a time, validating on `val` after every epoch. The learning-rate schedule spans
 * `plannedEpochs`. Yields to the event loop between batches so a worker stays responsive and a
 * stop request lands between two steps. AutoVP search drives it epoch by epoch; a plain run
 * calls trainVisualPrompt.
 */
export class PromptTrainer {
  readonly epochs: EpochMetrics[] = [];
  stopped = false;
  private readonly rng: Rng;
  private readonly optimizer: Optimizer;
  private readonly variables: tf.Variable[];
  private readonly batchesPerEpoch: number;
  private readonly totalSteps: number;
  private readonly started = tf.util.now();
  private readonly shouldStop: () => boolean;
  private step = 0;
  private images = 0;
  private lastEval: Evaluation | null = null;
  private evaluatedAtStep = 0;
  private readonly guard: FiniteGuard;
  /** Reads the training images one batch ahead (lazy sets decode while a step runs). */
  private readonly reader: BatchPrefetcher;
  /** Images per forward and backward pass; null: chosen before the first step (microBatchFor). */
  microBatch: number | null = null;
  diverged: Divergence | null = null;

  constructor(
    readonly model: VisualPromptModel,
    readonly train: SplitImages,
    readonly val: SplitImages,
    private readonly callbacks: TrainCallbacks = {},
    readonly plannedEpochs = model.design.epochs,
    /** A checkpoint to continue from (the model already holds its prompt and mapping). */
    resume?: TrainerState,
  ) {
    const design = model.design;
    this.shouldStop = callbacks.shouldStop ?? (() => false);
    this.rng = resume ? Rng.restore(resume.rng) : new Rng(design.seed).fork();
    this.optimizer = createOptimizer(design);
    this.variables = model.variables();
    this.guard = new FiniteGuard(this.variables);
    this.reader = new BatchPrefetcher(train.set);
    this.batchesPerEpoch = Math.ceil(train.indices.length / design.batchSize);
    this.totalSteps = this.batchesPerEpoch * plannedEpochs;
    if (resume) {
      this.optimizer.restore(this.variables, resume.optimizer);
      this.epochs.push(...resume.epochs);
      this.step = resume.step;
      this.images = resume.images;
      // Nothing validated in this session yet: finish() validates what it has.
      this.evaluatedAtStep = -1;
    }
  }

  /** The trainer's state now (see TrainerState), cloned synchronously and downloaded later. */
  captureState(): () => Promise<TrainerState> {
    const fixed = { epochs: this.epochs.map((e) => ({ ...e })), step: this.step, images: this.images, rng: this.rng.state32 };
    const optimizer = this.optimizer.capture(this.variables);
    return async () => ({ ...fixed, optimizer: await optimizer() });
  }

  get steps(): number {
    return this.step;
  }

  /** Stops on a loss that is not finite, with the last values whose loss was finite put back. */
  private diverge(epoch: number, loss: number, during: Divergence['during']): null {
    const kept = this.guard.restore();
    this.diverged = { epoch, step: this.step, loss, during, keptStep: kept === null ? null : kept + 1 };
    return null;
  }

  /** Train one epoch and validate; null when a stop request (or a loss that is not finite) ended it early. */
  async runEpoch(): Promise<EpochMetrics | null> {
    const { model, train, val, callbacks } = this;
    const design = model.design;
    const epoch = this.epochs.length;
    const epochStart = tf.util.now();
    if (model.mapping.needsFrequencyUpdate(epoch)) {
      await asFirstUse(this.step === 0, () => updateFrequencyMapping(model, train, design.batchSize));
      callbacks.onMapping?.(epoch, await model.mapping.state());
    }
    let lossSum = 0;
    let correctSum = 0;
    let seen = 0;
    const batches = epochBatches(train.indices, design.batchSize, this.rng);
    for (let b = 0; b < batches.length; b++) {
      if (this.shouldStop()) {
        this.stopped = true;
        return null;
      }
      const indices = batches[b] as Int32Array;
      this.guard.before();
      const { loss, correct, scale, lr } = await asFirstUse(this.step === 0, () => this.trainStep(indices, batches[b + 1]));
      this.step++;
      if (!this.guard.after(this.step - 1, loss)) return this.diverge(epoch, loss, 'training');
      this.images += indices.length;
      seen += indices.length;
      lossSum += loss * indices.length;
      correctSum += correct;
      const elapsed = (tf.util.now() - this.started) / 1000;
      callbacks.onBatch?.({
        epoch,
        batch: b,
        batchesPerEpoch: this.batchesPerEpoch,
        step: this.step,
        totalSteps: this.totalSteps,
        loss,
        accuracy: correct / indices.length,
        learningRate: lr,
        scale,
        imagesPerSecond: this.images / Math.max(elapsed, 1e-9),
        elapsedSeconds: elapsed,
      });
      await yieldToEventLoop();
    }
    const v = await evaluate(model, val, design.batchSize, this.shouldStop);
    if (v.count < val.indices.length) {
      this.stopped = true;
      return null;
    }
    // The last step's update is checked here (its loss is never computed in training).
    if (v.count > 0 && !Number.isFinite(v.loss)) return this.diverge(epoch, v.loss, 'validation');
    this.lastEval = v;
    this.evaluatedAtStep = this.step;
    const metrics: EpochMetrics = {
      epoch,
      trainLoss: lossSum / seen,
      trainAcc: correctSum / seen,
      valLoss: v.loss,
      valAcc: v.accuracy,
      seconds: (tf.util.now() - epochStart) / 1000,
    };
    this.epochs.push(metrics);
    callbacks.onEpoch?.(metrics, () => this.captureState());
    return metrics;
  }

  /**
   * One optimiser step on a batch of the training images: loss, number correct, learnt scale and
   * learning rate. Public for the benchmark, which times exactly this step. `next`, the batch that
   * follows, is read (and, for a lazy set, decoded) while this step runs.
   */
  async trainStep(indices: Int32Array, next?: Int32Array): Promise<{ loss: number; correct: number; scale: number | undefined; lr: number }> {
    const { model } = this;
    if (this.microBatch === null) {
      this.microBatch = await microBatchFor(model, this.train, model.design.batchSize);
      if (this.microBatch < model.design.batchSize) this.callbacks.onMicroBatch?.(this.microBatch);
    }
    const pixels = await this.reader.pixels(indices, next);
    const per = imageBytes(this.train.set);
    let step: StepParts | null = null;
    try {
      for (let start = 0; start < indices.length; start += this.microBatch) {
        const end = Math.min(indices.length, start + this.microBatch);
        const part = this.partialStep(indices.subarray(start, end), pixels.subarray(start * per, end * per), indices.length);
        if (step) {
          const sum = addSteps(step, part);
          tf.dispose([step.value, step.correct, step.grads, part.value, part.correct, part.grads]);
          step = sum;
        } else {
          step = part;
        }
      }
      if (!step) throw new Error('a training step needs at least one image');
      const lr = scheduledLearningRate(model.design, this.step / this.totalSteps);
      this.optimizer.step(this.variables, step.grads, lr);
      model.prompter.clampScale();
      const [lossValue, correctValue, scaleValue] = await Promise.all([
        step.value.data(),
        step.correct.data(),
        model.prompter.scale ? model.prompter.scale.data() : Promise.resolve(undefined),
      ]);
      return { loss: lossValue[0] as number, correct: correctValue[0] as number, scale: scaleValue?.[0], lr };
    } finally {
      // Also when a step throws (out of memory, a lost device): nothing of it stays behind.
      tf.dispose(step ? [step.value, step.correct, step.grads] : []);
    }
  }

  /** Loss, number correct and gradients of `indices`, the loss weighted as their share of a batch of `of` images. */
  private partialStep(indices: Int32Array, pixels: Uint8Array, of: number): StepParts {
    const { model, train } = this;
    const x = pixelsToBatchTensor(train.set, pixels, model.design.baseSize);
    const y = tf.tensor1d(labelsOf(train.set, indices), 'int32');
    let correct: tf.Scalar | null = null;
    try {
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.logits(x, true);
        correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32')) as tf.Scalar);
        const loss = crossEntropy(logits, y);
        return indices.length === of ? loss : tf.mul(loss, indices.length / of);
      }, this.variables);
      return { value, correct: correct as unknown as tf.Scalar, grads };
    } catch (e) {
      tf.dispose(correct ?? []);
      throw e;
    } finally {
      tf.dispose([x, y]);
    }
  }

  /** Free the optimiser state (idempotent). */
  dispose(): void {
    this.optimizer.dispose();
    this.guard.dispose();
  }

  /** Free the optimiser state and report; a stop mid-epoch is validated on the prompt it kept. */
  async finish(): Promise<TrainResult> {
    this.dispose();
    const validation =
      this.step > this.evaluatedAtStep
        ? await evaluate(this.model, this.val, this.model.design.batchSize)
        : this.lastEval;
    return { epochs: this.epochs, validation, stopped: this.stopped, steps: this.step, diverged: this.diverged };
  }
}

/** The sum of two partial steps (new tensors). */
function addSteps(a: StepParts, b: StepParts): StepParts {
  const grads: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(a.grads)) grads[name] = tf.add(g, b.grads[name] as tf.Tensor);
  return { value: tf.add(a.value, b.value), correct: tf.add(a.correct, b.correct), grads };
}

/** Train for design.epochs epochs (or until a stop request) and report. */
export async function trainVisualPrompt(
  model: VisualPromptModel,
  train: SplitImages,
  val: SplitImages,
  callbacks: TrainCallbacks = {},
  resume?: TrainerState,
): Promise<TrainResult> {
  const trainer = new PromptTrainer(model, train, val, callbacks, model.design.epochs, resume);
  try {
    for (let epoch = trainer.epochs.length; epoch < model.design.epochs; epoch++) if (!(await trainer.runEpoch())) break;
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  return trainer.finish();
}
