import * as tf from '@tensorflow/tfjs-core';
import type { OptimDesign } from '../../core/design/design';

/**
 * Adam and SGD with momentum, with PyTorch's semantics (torch.optim.Adam eps 1e-8, coupled L2
 * weight decay; SGD momentum without dampening), so a step matches the reference to float
 * precision. The learning rate is passed per step so schedules live outside.
 */
export interface Optimizer {
  step(variables: readonly tf.Variable[], grads: tf.NamedTensorMap, lr: number): void;
  /**
   * The optimiser's state (moments, step count) for `variables`, cloned now and downloaded when
   * the returned function is called (exactly once), so a later step does not change it.
   */
  capture(variables: readonly tf.Variable[]): () => Promise<OptimizerState>;
  /** Continues from a captured state (a checkpoint); `variables` in the order they were captured. */
  restore(variables: readonly tf.Variable[], state: OptimizerState): void;
  dispose(): void;
}

/** Plain data: survives structured cloning (IndexedDB, postMessage). */
export interface OptimizerState {
  kind: 'adam' | 'sgd';
  /** Adam's step count (bias correction). */
  t: number;
  /** Per slot (Adam's m and v, SGD's momentum buffer), per variable by position: null until its first step. */
  slots: Record<string, (Float32Array | null)[]>;
}

function captureSlots(
  kind: OptimizerState['kind'],
  t: number,
  slots: Record<string, Map<string, tf.Variable>>,
  variables: readonly tf.Variable[],
): () => Promise<OptimizerState> {
  const clones: Record<string, (tf.Tensor | null)[]> = Object.fromEntries(
    Object.entries(slots).map(([name, map]) => {
      const slot = (p: tf.Variable) => map.get(p.name);
      return [name, variables.map((p) => (slot(p) ? tf.clone(slot(p) as tf.Tensor) : null))];
    }),
  );
  return async () => {
    try {
      const read = async (ts: (tf.Tensor | null)[]) =>
        Promise.all(ts.map((c) => (c ? (c.data() as Promise<Float32Array>) : null)));
      const entries = await Promise.all(Object.entries(clones).map(async ([name, ts]) => [name, await read(ts)] as const));
      return { kind, t, slots: Object.fromEntries(entries) };
    } finally {
      tf.dispose(Object.values(clones).flat().filter((c): c is tf.Tensor => c !== null));
    }
  };
}

function restoreSlots(
  kind: OptimizerState['kind'],
  state: OptimizerState,
  slots: Record<string, Map<string, tf.Variable>>,
  variables: readonly tf.Variable[],
): void {
  if (state.kind !== kind) throw new Error(`The checkpoint holds ${state.kind} state; this run uses ${kind}.`);
  for (const [name, map] of Object.entries(slots)) {
    const values = state.slots[name];
    if (!values || values.length !== variables.length) throw new Error(`The checkpoint's optimiser state does not match this model (${name}).`);
    variables.forEach((p, i) => {
      const v = values[i];
      if (!v) return;
      if (v.length !== p.size) throw new Error(`The checkpoint's optimiser state does not match this model (${name} of ${p.name}).`);
      map.get(p.name)?.dispose();
      map.set(p.name, tf.tidy(() => tf.variable(tf.tensor(v, p.shape, 'float32'), false)));
    });
  }
}

class Adam implements Optimizer {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;

  constructor(
    private readonly weightDecay: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {}

  step(variables: readonly tf.Variable[], grads: tf.NamedTensorMap, lr: number): void {
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      for (const p of variables) {
        const raw = grads[p.name];
        if (!raw) continue;
        const g = this.weightDecay ? tf.add(raw, tf.mul(p, this.weightDecay)) : raw;
        const m = slot(this.m, p);
        const v = slot(this.v, p);
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), this.eps);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), lr / bc1)));
      }
    });
  }

  capture(variables: readonly tf.Variable[]): () => Promise<OptimizerState> {
    return captureSlots('adam', this.t, { m: this.m, v: this.v }, variables);
  }

  restore(variables: readonly tf.Variable[], state: OptimizerState): void {
    restoreSlots('adam', state, { m: this.m, v: this.v }, variables);
    this.t = state.t;
  }

  dispose(): void {
    for (const s of [...this.m.values(), ...this.v.values()]) s.dispose();
  }
}

class Sgd implements Optimizer {
  private readonly buf = new Map<string, tf.Variable>();

  constructor(
    private readonly momentum: number,
    private readonly weightDecay: number,
  ) {}

  step(variables: readonly tf.Variable[], grads: tf.NamedTensorMap, lr: number): void {
    tf.tidy(() => {
      for (const p of variables) {
        const raw = grads[p.name];
        if (!raw) continue;
        const g = this.weightDecay ? tf.add(raw, tf.mul(p, this.weightDecay)) : raw;
        let update: tf.Tensor = g;
        if (this.momentum) {
          const fresh = !this.buf.has(p.name);
          const b = slot(this.buf, p);
          b.assign(fresh ? g : tf.add(tf.mul(b, this.momentum), g));
          update = b;
        }
        p.assign(tf.sub(p, tf.mul(update, lr)));
      }
    });
  }

  capture(variables: readonly tf.Variable[]): () => Promise<OptimizerState> {
    return captureSlots('sgd', 0, { buf: this.buf }, variables);
  }

  restore(variables: readonly tf.Variable[], state: OptimizerState): void {
    restoreSlots('sgd', state, { buf: this.buf }, variables);
  }

  dispose(): void {
    for (const s of this.buf.values()) s.dispose();
  }
}

function slot(slots: Map<string, tf.Variable>, p: tf.Variable): tf.Variable {
  let s = slots.get(p.name);
  if (!s) {
    s = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
    slots.set(p.name, s);
  }
  return s;
}

export function createOptimizer(design: Pick<OptimDesign, 'optimizer' | 'momentum' | 'weightDecay'>): Optimizer {
  return design.optimizer === 'adam' ? new Adam(design.weightDecay) : new Sgd(design.momentum, design.weightDecay);
}

/**
 * Learning rate at a point of training (progress in [0, 1), by optimiser step):
 * step = the reference's MultiStepLR, ×0.1 at 50% and again at 72% of training;
 * cosine = cosine annealing to zero.
 */
export function scheduledLearningRate(
  design: Pick<OptimDesign, 'learningRate' | 'schedule'>,
  progress: number,
): number {
  const lr = design.learningRate;
  switch (design.schedule) {
    case 'step':
      return lr * 0.1 ** ((progress >= 0.5 ? 1 : 0) + (progress >= 0.72 ? 1 : 0));
    case 'cosine':
      return lr * 0.5 * (1 + Math.cos(Math.PI * progress));
    case 'constant':
      return lr;
  }
}
