import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// Registers tfjs's gradient functions, and builds the reference model.
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { artifactsOf } from '../../../test/support/network/layersArtifacts';
import { syntheticLayersModel } from '../../../test/support/network/syntheticLayersModel';
import { networkParity } from './backendParity';

let artifacts: tf.io.ModelArtifacts;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = syntheticLayersModel();
  artifacts = await artifactsOf(model);
  model.dispose();
});

describe('networkParity', () => {
  it('compares every layer of a network, forward and input gradient, across two backends', async () => {
    const report = await networkParity(artifacts, ['wasm', 'cpu']);
    expect(tf.getBackend()).toBe('cpu');
    expect(report.inputShape).toEqual([2, 15, 15, 3]);
    expect(report.layers.map((l) => l.name)).toContain('logits');
    const worst = report.layers.filter((l) => !(l.forward! <= 1e-4 && l.gradient! <= 1e-4));
    expect(worst, JSON.stringify(worst)).toEqual([]);
  });

  it('catches a backend whose kernel is wrong', async () => {
    // cpu with a broken Sigmoid (returns its input): the layers using it must disagree.
    const cpu = tf.findBackend('cpu')!;
    tf.registerBackend('cpu-broken-sigmoid', () => new (cpu.constructor as new () => tf.KernelBackend)());
    for (const kernel of tf.getKernelsForBackend('cpu')) {
      tf.registerKernel(
        kernel.kernelName === 'Sigmoid'
          ? { kernelName: 'Sigmoid', backendName: 'cpu-broken-sigmoid', kernelFunc: ({ inputs }) => tf.clone(inputs['x'] as tf.Tensor) }
          : { ...kernel, backendName: 'cpu-broken-sigmoid' },
      );
    }
    const report = await networkParity(artifacts, ['cpu-broken-sigmoid', 'cpu']);
    const wrong = report.layers.filter((l) => !(l.forward! <= 1e-4));
    expect(wrong.length).toBeGreaterThan(0);
    tf.removeBackend('cpu-broken-sigmoid');
  });
});
