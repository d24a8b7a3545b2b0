import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFrozenNetwork } from './buildFrozenNetwork';
import { artifactsOf } from '../../../test/support/network/layersArtifacts';

interface Layer {
  class_name: string;
  name: string;
  inbound_nodes: unknown[][][];
}

/** conv1 → pool → flat → dense ("head"), 8×8×3 input. */
async function smallModel(): Promise<tf.io.ModelArtifacts> {
  const input = tfl.input({ shape: [8, 8, 3] });
  const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv1' }).apply(input);
  const pool = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(conv);
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(pool);
  const head = tfl.layers.dense({ units: 3, name: 'head' }).apply(flat) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: head });
  const artifacts = await artifactsOf(model);
  model.dispose();
  return artifacts;
}

/** A copy of the artifacts with one layer of the (tfjs-saved) topology edited. */
function withLayer(artifacts: tf.io.ModelArtifacts, name: string, edit: (layer: Layer) => void): tf.io.ModelArtifacts {
  const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as { config: { layers: Layer[] } };
  edit(topology.config.layers.find((l) => l.name === name) as Layer);
  return { ...artifacts, modelTopology: topology };
}

describe('models the executor cannot use fail with a message that says why', () => {
  let artifacts: tf.io.ModelArtifacts;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    artifacts = await smallModel();
  });

  it('rejects a malformed topology', () => {
    expect(() => buildFrozenNetwork({ ...artifacts, modelTopology: { something: 'else' } })).toThrow(/Malformed layers model/);
    const dangling = withLayer(artifacts, 'pool', (l) => {
      l.inbound_nodes = [[['nowhere', 0, 0, {}]]];
    });
    expect(() => buildFrozenNetwork(dangling)).toThrow(/layer "pool" reads "nowhere", which does not exist/);
    expect(() => buildFrozenNetwork({ ...artifacts, modelTopology: { node: [{ name: 'x' }] } })).toThrow(/Malformed graph model: node #0/);
  });

  it('names an unsupported layer and its type', () => {
    const lambda = withLayer(artifacts, 'pool', (l) => {
      l.class_name = 'Lambda';
    });
    expect(() => buildFrozenNetwork(lambda)).toThrow('layer "pool" (Lambda): layer type Lambda is not supported.');
  });

  it('names an unsupported graph op', () => {
    const graph = {
      node: [
        { name: 'input', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '3' }] } } } },
        { name: 'cumulative', op: 'Cumsum', input: ['input'] },
      ],
    };
    expect(() => buildFrozenNetwork({ modelTopology: graph, weightSpecs: [] })).toThrow('node "cumulative" (Cumsum): op Cumsum is not supported.');
  });

  it('names a missing weight', () => {
    const specs = (artifacts.weightSpecs ?? []).map((s) => (s.name === 'conv1/kernel' ? { ...s, name: 'other/kernel' } : s));
    expect(() => buildFrozenNetwork({ ...artifacts, weightSpecs: specs })).toThrow('layer "conv1" (Conv2D) needs the weight "conv1/kernel"');
  });

  it('rejects unknown outputs and inputs of the wrong shape', () => {
    const network = buildFrozenNetwork(artifacts);
    const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    expect(() => network.apply(x, ['nothing'])).toThrow('The network has no tensor named "nothing".');
    expect(() => network.apply(tf.zeros([1, 9, 8, 3]) as tf.Tensor4D, ['head'])).toThrow(/expects input \[batch, 8, 8, 3\]/);
    network.dispose();
    expect(() => network.apply(x, ['head'])).toThrow(/disposed/);
    x.dispose();
  });

  it('runs the convolutional part at another input size and says why the head cannot', () => {
    const network = buildFrozenNetwork(artifacts, { inputSize: [12, 12] });
    expect(network.tensors.map((t) => t.name)).toEqual(['input1', 'conv1', 'pool', 'flat']);
    const x = tf.zeros([1, 12, 12, 3]) as tf.Tensor4D;
    const [pool] = network.apply(x, ['pool']);
    expect(pool?.shape).toEqual([1, 6, 6, 4]);
    expect(() => network.apply(x, ['head'])).toThrow(/"head" cannot be computed at input size 12×12: dense "head" cannot run: the kernel expects 64 inputs/);
    tf.dispose([x, pool as tf.Tensor]);
    network.dispose();
  });
});
