import '@tensorflow/tfjs-backend-cpu';
// Gradients of the tfjs-core ops the engine's network backprops through.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFrozenNetwork } from '../network';
import { coverageNetwork, type KerasModelFiles, smallNetwork } from '../../../test/support/parity/kerasJson';
import { runTwins } from '../../../test/support/parity/networkTwin';
import { DifferenceLog, difference, joinPath, removeDir, tempDir, torchUnavailable, withinTolerance, writeFile } from '../../../test/support/parity/support';

/**
 * The engine's frozen-network interpreter against the PyTorch rebuild of the same Keras
 * model.json (python/autovp/tfjs_to_torch.py): intermediate maps, logits and the input
 * gradient, on hand-written models that cover every supported layer type and TensorFlow's
 * padding rules.
 */

const REL = 1e-4;
const ABS = 1e-5;
const unavailable = torchUnavailable();

interface NetworkCase {
  name: string;
  files: KerasModelFiles;
  size: number;
  outputs: string[];
}

const CASES: NetworkCase[] = [
  { name: 'small network', files: smallNetwork(2024), size: 32, outputs: ['relu6_1', 'dw1', 'pool1', 'gap', 'logits', 'logits/softmax'] },
  {
    name: 'coverage network',
    files: coverageNetwork(99),
    size: 17,
    outputs: ['zp', 'c1', 'c1b', 'lrelu', 'dw2', 'ap_same', 'mp_same', 'cat1', 'swish', 'c3_softmax', 'add', 'reshape', 'flatten_maps', 'features', 'logits', 'logits/softmax'],
  },
];

describe.skipIf(unavailable !== null)(`frozen networks against their PyTorch twins${unavailable ? ` — SKIPPED: ${unavailable}` : ''}`, () => {
  const log = new DifferenceLog();
  let dir = '';

  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = tempDir('layers');
  });

  afterAll(() => {
    if (dir) removeDir(dir);
    if (log.rows.length) console.log(log.format(`engine vs PyTorch, synthetic layers models (tolerance ${REL} rel or ${ABS} abs)`));
  });

  for (const c of CASES) {
    it(`${c.name}: every listed layer output and the input gradient agree`, async () => {
      const modelDir = joinPath(dir, c.name.replace(/\W/g, '_'));
      writeFile(joinPath(modelDir, 'model.json'), JSON.stringify(c.files.modelJson));
      writeFile(joinPath(modelDir, c.files.shardName), c.files.shard);
      const network = buildFrozenNetwork(c.files.artifacts);
      try {
        const batch = 3;
        const shape: [number, number, number, number] = [batch, c.size, c.size, 3];
        const images = (await tf.randomUniform(shape, -1, 1.5, 'float32', 13).data()) as Float32Array;
        const run = await runTwins(network, modelDir, images, shape, { outputs: c.outputs, gradOutput: 'logits' });
        for (const o of c.outputs) {
          const expected = run.torch[o];
          if (!expected) throw new Error(`PyTorch returned no ${o}`);
          const engineShape = network.tensors.find((t) => t.name === o)?.shape;
          expect([batch, ...(engineShape ?? [])], `${o} shape`).toEqual(expected.shape);
          const d = log.add(difference(`${c.name}/${o}`, run.engine[o] as Float32Array, expected.data));
          expect(withinTolerance(d, REL, ABS), `${o}: max|Δ| ${d.maxAbs} against max|ref| ${d.scale}`).toBe(true);
        }
        const g = log.add(difference(`${c.name}/input gradient`, run.engineGrad as Float32Array, run.torchGrad as Float32Array));
        expect(withinTolerance(g, REL, ABS), `input gradient: max|Δ| ${g.maxAbs} against max|ref| ${g.scale}`).toBe(true);
      } finally {
        network.dispose();
      }
    });
  }
});
