import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FiniteGuard } from './finiteGuard';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('FiniteGuard', () => {
  it('puts back the values whose loss was last finite, and leaves no tensor behind', async () => {
    const start = tf.memory().numTensors;
    const a = tf.tidy(() => tf.variable(tf.tensor1d([1, 2])));
    const b = tf.tidy(() => tf.variable(tf.scalar(5)));
    const guard = new FiniteGuard([a, b]);
    expect(guard.restore()).toBeNull();
    // Step 0 on (1, 2 | 5): finite. Step 1 on (3, 4 | 6): finite. Step 2 on (Inf, 0 | NaN): not.
    guard.before();
    tf.tidy(() => a.assign(tf.tensor1d([3, 4])));
    tf.tidy(() => b.assign(tf.scalar(6)));
    expect(guard.after(0, 0.7)).toBe(true);
    guard.before();
    tf.tidy(() => a.assign(tf.tensor1d([Infinity, 0])));
    tf.tidy(() => b.assign(tf.scalar(NaN)));
    expect(guard.after(1, 0.5)).toBe(true);
    guard.before();
    expect(guard.after(2, NaN)).toBe(false);
    expect(guard.restore()).toBe(1);
    expect(Array.from(await a.data())).toEqual([3, 4]);
    expect((await b.data())[0]).toBe(6);
    guard.dispose();
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
