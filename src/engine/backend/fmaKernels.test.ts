import { setFlagsFromString } from 'node:v8';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmaKernelStatus, hasRelaxedSimd, installFmaKernels, setFmaKernelsEnabled } from './fmaKernels';
import { buildFrozenNetwork } from '../network';
import type { FrozenNetwork } from '../network/types';
import { maxRelativeError } from '../../../test/support/network/compare';
import { randomImages } from '../../../test/support/network/realModelChecks';
import { artifactsFromFolder, darknetTinyDir, hasDarknetTiny } from '../../../test/support/network/sharedModels';
import { runTwins } from '../../../test/support/parity/networkTwin';
import { torchUnavailable } from '../../../test/support/parity/support';

// Node 20 validates relaxed SIMD only behind this flag (Chromium has it on); the CLI sets it too.
setFlagsFromString('--experimental-wasm-relaxed-simd');

/** The kernel's output with our kernels and with tfjs's stock ones. */
async function both(f: () => tf.Tensor): Promise<{ ours: Float32Array; stock: Float32Array; shape: number[] }> {
  setFmaKernelsEnabled(true);
  const a = f();
  const ours = (await a.data()) as Float32Array;
  setFmaKernelsEnabled(false);
  const b = f();
  const stock = (await b.data()) as Float32Array;
  setFmaKernelsEnabled(true);
  const shape = a.shape;
  tf.dispose([a, b]);
  return { ours, stock, shape };
}

/** max |ours − stock| / max |stock|. */
const relative = ({ ours, stock }: { ours: Float32Array; stock: Float32Array }): number => maxRelativeError(ours, stock);

function cosine(a: Float32Array, b: Float32Array): number {
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] as number) * (b[i] as number);
    aa += (a[i] as number) ** 2;
    bb += (b[i] as number) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

const normal = (shape: number[], seed: number, sd = 1) => tf.randomNormal(shape, 0, sd, 'float32', seed);

describe('FMA convolution kernels for wasm', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });
  afterAll(() => setFmaKernelsEnabled(true));

  it('are installed in a single-threaded wasm backend with relaxed SIMD', async () => {
    expect(hasRelaxedSimd()).toBe(true);
    expect(await installFmaKernels(1)).toEqual({ active: true });
    expect(fmaKernelStatus()).toEqual({ active: true });
  });

  const convCases: [string, () => tf.Tensor][] = [];
  const conv = (
    name: string,
    [b, h, w, ci]: number[],
    [kh, kw, co]: number[],
    opts: { strides?: number | [number, number]; pad?: 'same' | 'valid' | number; dilations?: number; activation?: tf.fused.Activation; bias?: boolean },
  ) => {
    convCases.push([
      name,
      () => {
        const x = normal([b!, h!, w!, ci!], 1) as tf.Tensor4D;
        const filter = normal([kh!, kw!, ci!, co!], 2, 0.2) as tf.Tensor4D;
        const bias = opts.bias ? (normal([co!], 3) as tf.Tensor1D) : undefined;
        const slopes = opts.activation === 'prelu' ? (normal([co!], 4, 0.3) as tf.Tensor1D) : undefined;
        const y = tf.fused.conv2d({
          x,
          filter,
          bias,
          strides: opts.strides ?? 1,
          pad: opts.pad ?? 'same',
          dilations: opts.dilations ?? 1,
          activation: opts.activation ?? 'linear',
          preluActivationWeights: slopes,
          leakyreluAlpha: 0.15,
        });
        tf.dispose([x, filter, ...(bias ? [bias] : []), ...(slopes ? [slopes] : [])]);
        return y;
      },
    ]);
  };
  conv('3×3 same, PReLU (darknet-tiny layers)', [2, 17, 19, 16], [3, 3, 24], { activation: 'prelu', bias: true });
  conv('3×3 same, 3 input channels (first layer)', [3, 32, 32, 3], [3, 3, 16], { activation: 'leakyrelu', bias: true });
  conv('3×3 valid, no bias, linear', [2, 12, 9, 5], [3, 3, 7], { pad: 'valid' });
  conv('stride 2 same (asymmetric padding)', [2, 15, 16, 6], [3, 3, 13], { strides: 2, activation: 'relu' });
  conv('stride (2, 1), 5×3 filter', [1, 20, 11, 4], [5, 3, 9], { strides: [2, 1], activation: 'relu6', bias: true });
  conv('dilation 2', [2, 14, 14, 8], [3, 3, 8], { dilations: 2, bias: true });
  conv('explicit padding 2', [1, 9, 9, 3], [3, 3, 10], { pad: 2 });
  conv('1×1 convolution', [2, 7, 7, 33], [1, 1, 17], { bias: true, activation: 'relu' });
  conv('large reduction (3·3·600 taps × channels, split in slices)', [1, 6, 6, 600], [3, 3, 40], { bias: true });
  conv('one output pixel', [1, 3, 3, 5], [3, 3, 8], { pad: 'valid' });

  for (const [name, run] of convCases) {
    it(`Conv2D / FusedConv2D agree with the stock kernel to 1e-5: ${name}`, async () => {
      const r = await both(run);
      expect(relative(r)).toBeLessThan(1e-5);
    });
  }

  it('really run (a large reduction rounds differently with FMA than the stock kernel)', async () => {
    const r = await both(convCases.find(([n]) => n.startsWith('large'))![1]);
    expect(relative(r)).toBeGreaterThan(0);
  });

  const matMuls: [string, () => tf.Tensor][] = [
    ['a·b', () => tf.matMul(normal([37, 19], 1), normal([19, 11], 2))],
    ['a·bᵀ', () => tf.matMul(normal([37, 19], 1), normal([11, 19], 2), false, true)],
    ['batched a, one b', () => tf.matMul(normal([3, 21, 40], 1), normal([1, 40, 9], 2))],
    ['fused bias + PReLU', () => tf.fused.matMul({ a: normal([50, 700], 1), b: normal([700, 30], 2, 0.1), bias: normal([30], 3), activation: 'prelu', preluActivationWeights: normal([30], 4, 0.3) })],
    ['fused bias + leaky ReLU', () => tf.fused.matMul({ a: normal([8, 64], 1), b: normal([64, 12], 2), bias: normal([12], 3), activation: 'leakyrelu', leakyreluAlpha: 0.2 })],
  ];
  for (const [name, run] of matMuls) {
    it(`BatchMatMul / _FusedMatMul agree with the stock kernel to 1e-5: ${name}`, async () => {
      expect(relative(await both(run))).toBeLessThan(1e-5);
    });
  }

  it('leave what they do not cover to the stock kernel (transposed a, one b per batch of a)', async () => {
    const cases = [
      () => tf.matMul(normal([19, 37], 1), normal([19, 11], 2), true, false),
      () => tf.matMul(normal([3, 21, 40], 1), normal([3, 40, 9], 2)),
    ];
    for (const run of cases) {
      const r = await both(run);
      expect(Array.from(r.ours)).toEqual(Array.from(r.stock));
    }
  });

  it('compute gradients through them as tfjs does (conv2d input gradient)', async () => {
    const x = normal([2, 10, 10, 6], 1) as tf.Tensor4D;
    const w = normal([3, 3, 6, 12], 2, 0.2) as tf.Tensor4D;
    const grad = () => tf.grad((input: tf.Tensor) => tf.sum(tf.square(tf.conv2d(input as tf.Tensor4D, w, 1, 'same'))))(x);
    expect(relative(await both(grad))).toBeLessThan(1e-5);
    tf.dispose([x, w]);
  });
});

const twinSkip = !hasDarknetTiny() ? `darknet-tiny is absent (${darknetTinyDir()})` : torchUnavailable();
describe.skipIf(twinSkip !== null)(
  `darknet-tiny on the FMA kernels against its PyTorch twin${twinSkip ? ` — SKIPPED: ${twinSkip}` : ''}`,
  () => {
    let network: FrozenNetwork;
    beforeAll(async () => {
      await tf.setBackend('wasm');
      await tf.ready();
      expect(await installFmaKernels(1)).toEqual({ active: true });
      network = buildFrozenNetwork(artifactsFromFolder(darknetTinyDir()));
    });
    afterAll(() => network?.dispose());

    it('gives the logits PyTorch gives, and the input gradient the stock kernels give (batch 2)', async () => {
      const shape: [number, number, number, number] = [2, 224, 224, 3];
      const images = randomImages(shape, 7);
      const logits = 'global_average_pooling2d_1';
      const ours = await runTwins(network, darknetTinyDir(), images, shape, { outputs: [logits], gradOutput: logits });
      setFmaKernelsEnabled(false);
      const stock = await runTwins(network, darknetTinyDir(), images, shape, { outputs: [logits], gradOutput: logits });
      setFmaKernelsEnabled(true);
      const torchLogits = ours.torch[logits]!.data as Float32Array;
      expect(relative({ ours: ours.engine[logits]!, stock: torchLogits })).toBeLessThan(1e-5);
      // The engine's input gradient differs from PyTorch's by max-pool tie routing on random images
      // (about 0.6% of its largest value, the same with stock kernels): ours must match stock's.
      expect(relative({ ours: ours.engineGrad!, stock: stock.engineGrad! })).toBeLessThan(1e-5);
      expect(cosine(ours.engineGrad!, ours.torchGrad!)).toBeGreaterThan(0.9999);
    });
  },
);
