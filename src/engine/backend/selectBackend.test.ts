import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import { asFirstUse, BackendFailure } from './backendFailure';
import { probeBackend } from './probeBackend';
import { selectBackend } from './selectBackend';

const env = { wasmPath: '/nowhere/', crossOriginIsolated: false, wasmThreadsSupported: false };

/** A backend named `name` that runs the cpu kernels, with `broken` replaced by one returning zeros. */
function registerBrokenCpu(name: string, broken: string): void {
  const cpu = tf.findBackend('cpu') ?? (tf.setBackend('cpu'), tf.findBackend('cpu'));
  tf.registerBackend(name, () => new (cpu!.constructor as new () => tf.KernelBackend)());
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    if (kernel.kernelName === broken) {
      tf.registerKernel({
        kernelName: broken,
        backendName: name,
        kernelFunc: ({ inputs, backend }) => {
          const x = Object.values(inputs)[0] as tf.TensorInfo;
          const zeros = new Float32Array(tf.util.sizeFromShape(x.shape));
          return (backend as unknown as { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo }).makeTensorInfo(
            x.shape,
            'float32',
            zeros,
          );
        },
      });
    } else {
      tf.registerKernel({ ...kernel, backendName: name });
    }
  }
}

describe('the backend probe', () => {
  afterEach(async () => {
    await tf.setBackend('cpu');
  });

  it('passes on a backend whose kernels compute correctly', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    expect(await probeBackend()).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the kernel that computes a wrong result', async () => {
    registerBrokenCpu('broken-sigmoid', 'Sigmoid');
    await tf.setBackend('broken-sigmoid');
    expect(await probeBackend()).toBe('its sigmoid kernel computed 0 instead of 2');
    tf.removeBackend('broken-sigmoid');
  });
});

describe('selectBackend', () => {
  it('records every backend it considered and why the others were passed over', async () => {
    // In Node: no WebGPU adapter, no wasm binaries at /nowhere/, webgl absent: cpu is taken.
    const choice = await selectBackend('auto', env, ['webgl']);
    expect(choice.name).toBe('cpu');
    expect(choice.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['webgl', false],
      ['webgpu', false],
      ['wasm', false],
      ['cpu', true],
    ]);
    expect(choice.attempts[0]!.detail).toMatch(/failed earlier in this session/);
    expect(choice.attempts[1]!.detail).toMatch(/no WebGPU adapter/);
    expect(choice.attempts[2]!.detail.length).toBeGreaterThan(0);
    expect(choice.reason).toMatch(/Neither WASM \(.+\) nor WebGL \(.+\) could start/);
  });

  it('honours an explicit choice that passes its probe', async () => {
    const choice = await selectBackend('cpu', env);
    expect(choice).toMatchObject({ name: 'cpu', reason: 'Chosen by you.' });
    expect(choice.attempts).toEqual([{ name: 'cpu', ok: true, detail: '' }]);
  });
});

describe('asFirstUse', () => {
  it('marks only errors of the first use as backend failures', async () => {
    const boom = () => Promise.reject(new Error('Failed to compile fragment shader'));
    await expect(asFirstUse(true, boom)).rejects.toBeInstanceOf(BackendFailure);
    await expect(asFirstUse(true, boom)).rejects.toThrow('Failed to compile fragment shader');
    await expect(asFirstUse(false, boom)).rejects.not.toBeInstanceOf(BackendFailure);
  });
});
