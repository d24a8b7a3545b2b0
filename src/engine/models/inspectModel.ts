// Gradients of tfjs-core ops are registered only through this side-effect module.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { buildFrozenNetwork, type FrozenNetwork, type NetworkTensor } from '../network';

/** Models whose weights exceed this are refused: they would not fit a browser tab with training. */
export const MAX_MODEL_BYTES = 300_000_000;
/** Input size assumed for a model that leaves it open (the user can still see and change nothing else). */
export const DEFAULT_OPEN_INPUT_SIZE = 224;

export type ModelRefusalCode =
  | 'not-a-model'
  | 'missing-files'
  | 'wrong-shapes'
  | 'too-large'
  | 'unsupported-op'
  | 'input-shape'
  | 'non-square'
  | 'no-outputs'
  | 'no-gradient';

/** Why a model cannot be used, in words a user can act on. */
export class ModelRefusal extends Error {
  constructor(
    readonly code: ModelRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelRefusal';
  }
}

export interface TensorCandidate {
  name: string;
  /** Shape without the batch dimension. */
  shape: number[];
  /** Elements per image. */
  size: number;
}

/** What the app found in a model: enough for the user to confirm or change its use. */
export interface ModelInspection {
  format: 'layers' | 'graph';
  inputSize: number;
  /** The model leaves its input size open; `inputSize` was assumed. */
  inputSizeAssumed: boolean;
  parameterCount: number;
  weightBytes: number;
  /** Candidates for the source logits, last first: vectors (and 1×1 maps) near the end. */
  outputs: TensorCandidate[];
  /** Candidates for the linear-probing features, last first: vectors and the last feature maps. */
  features: TensorCandidate[];
  proposedSource: string | null;
  proposedFeature: string | null;
  /** False when the source-output proposal is a guess the user should confirm (the UI asks). */
  confident: boolean;
  /** The proposed features are a feature map (flattened), not a vector: the user may prefer another. */
  featureIsMap: boolean;
  notes: string[];
}

const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const isProbability = (name: string) => /softmax|sigmoid|predictions?$|probabilit|probs?$/i.test(name);
const candidate = (t: NetworkTensor): TensorCandidate => ({ name: t.name, shape: [...t.shape], size: elements(t.shape) });

/** A 1-D tensor per image, or a 1×1 map (a conv "logits" layer before its squeeze). */
const vectorLike = (t: NetworkTensor) => t.shape.length === 1 || (t.shape.length === 3 && t.shape[0] === 1 && t.shape[1] === 1);

/**
 * Proposes the source output and features among a network's tensors: the source output is the
 * last vector that is not a probability (softmax) output or a copy of one; the features are the
 * last vector before it of another size, else the last feature map before it.
 */
export function proposeOutputs(
  tensors: readonly NetworkTensor[],
): Pick<ModelInspection, 'outputs' | 'features' | 'proposedSource' | 'proposedFeature' | 'confident' | 'featureIsMap'> {
  const order = [...tensors].reverse();
  const outputs = order.filter(vectorLike).slice(0, 30).map(candidate);
  const maps = order.filter((t) => t.shape.length === 3 && !vectorLike(t)).slice(0, 6);
  const features = order.filter((t) => vectorLike(t) || maps.includes(t)).slice(0, 30).map(candidate);
  let sourceAt = -1;
  let confident = true;
  const last = tensors.length - 1;
  for (let i = last; i >= 0; i--) {
    const t = tensors[i] as NetworkTensor;
    if (!vectorLike(t)) continue;
    // The trailing run of tensors of the same size: logits, softmax, identity copies.
    const size = elements(t.shape);
    let start = i;
    while (start > 0 && vectorLike(tensors[start - 1] as NetworkTensor) && elements((tensors[start - 1] as NetworkTensor).shape) === size) start--;
    const run = tensors.slice(start, i + 1);
    const firstProb = run.findIndex((x) => isProbability(x.name));
    if (firstProb < 0) sourceAt = i;
    else if (firstProb > 0) sourceAt = start + firstProb - 1;
    else {
      // Only probabilities at the end: take them, but ask.
      sourceAt = i;
      confident = false;
    }
    break;
  }
  if (sourceAt < 0) {
    return { outputs, features, proposedSource: null, proposedFeature: null, confident: false, featureIsMap: false };
  }
  const source = tensors[sourceAt] as NetworkTensor;
  const sourceSize = elements(source.shape);
  let feature: NetworkTensor | null = null;
  let featureIsMap = false;
  for (let i = sourceAt - 1; i >= 0 && !feature; i--) {
    const t = tensors[i] as NetworkTensor;
    if (vectorLike(t) && elements(t.shape) !== sourceSize && !isProbability(t.name)) feature = t;
  }
  if (!feature) {
    for (let i = sourceAt - 1; i >= 0 && !feature; i--) {
      const t = tensors[i] as NetworkTensor;
      // Not the class-score map the logits pool (its channels are the classes).
      if (t.shape.length === 3 && t.shape[2] !== sourceSize) feature = t;
    }
    featureIsMap = feature !== null;
  }
  if (sourceSize < 2) confident = false;
  return { outputs, features, proposedSource: source.name, proposedFeature: feature?.name ?? null, confident, featureIsMap };
}

/** Turns an executor error into a refusal that says what it means for the user. */
export function refusalFromBuildError(e: unknown): ModelRefusal {
  const message = e instanceof Error ? e.message : String(e);
  if (/not supported|not understood/.test(message)) {
    return new ModelRefusal(
      'unsupported-op',
      `This model cannot be used here: ${message} The app rebuilds each network from plain operations so that ` +
        'only the input gets gradients; models made of other layers or ops are refused.',
    );
  }
  if (/more than one input/.test(message)) {
    return new ModelRefusal('input-shape', `This model takes several inputs; visual prompting needs one image input [height, width, 3]. (${message})`);
  }
  if (/is not \[batch, height, width, channels\]/.test(message)) {
    return new ModelRefusal('input-shape', `This model's input is not an image batch [batch, height, width, 3]: ${message}`);
  }
  if (/needs the weight|weight/.test(message) && /needs|missing|shape/.test(message)) {
    return new ModelRefusal('wrong-shapes', `The weight files do not fit the model: ${message}`);
  }
  if (/Malformed|protobuf/.test(message)) return new ModelRefusal('not-a-model', message);
  return new ModelRefusal('unsupported-op', `This model could not be rebuilt: ${message}`);
}

/** Builds the network at its own input size, or at 224 when it leaves the size open. */
export function buildForInspection(artifacts: tf.io.ModelArtifacts): { network: FrozenNetwork; sizeAssumed: boolean } {
  try {
    return { network: buildFrozenNetwork(artifacts), sizeAssumed: false };
  } catch (e) {
    if (e instanceof Error && /does not fix its input size/.test(e.message)) {
      try {
        return { network: buildFrozenNetwork(artifacts, { inputSize: [DEFAULT_OPEN_INPUT_SIZE, DEFAULT_OPEN_INPUT_SIZE] }), sizeAssumed: true };
      } catch (e2) {
        throw refusalFromBuildError(e2);
      }
    }
    throw refusalFromBuildError(e);
  }
}

/** Refuses inputs that are not square RGB images. */
export function checkInput(network: FrozenNetwork): void {
  const [h, w, c] = network.inputShape;
  if (c !== 3) {
    throw new ModelRefusal('input-shape', `This model takes inputs of ${h}×${w}×${c}; visual prompting needs RGB images [height, width, 3].`);
  }
  if (h !== w) {
    throw new ModelRefusal('non-square', `This model takes ${h}×${w} inputs; the app's prompts need a square input.`);
  }
}

/**
 * Checks that the output's gradient reaches the input (the prompt learns through it), on one random
 * image in [0, 1]. Throws a refusal when it does not.
 */
export function checkGradientPath(network: FrozenNetwork, output: string): void {
  const [h, w, c] = network.inputShape;
  let ok: boolean;
  try {
    ok = tf.tidy(() => {
      const x = tf.randomUniform([1, h, w, c], 0, 1, 'float32', 17) as tf.Tensor4D;
      // A random projection, not a plain sum: the sum of a softmax (or of centred logits) is constant.
      const g = tf.grad((input: tf.Tensor) => {
        const y = network.apply(input as tf.Tensor4D, [output])[0] as tf.Tensor;
        return tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 23)));
      })(x);
      const magnitude = tf.sum(tf.abs(g)).dataSync()[0] as number;
      return Number.isFinite(magnitude) && magnitude > 0;
    });
  } catch (e) {
    throw new ModelRefusal(
      'no-gradient',
      `No gradient flows from "${output}" back to the input (${e instanceof Error ? e.message : String(e)}), so a prompt cannot learn through it.`,
    );
  }
  if (!ok) {
    throw new ModelRefusal(
      'no-gradient',
      `"${output}" does not change with the input through differentiable operations (its gradient is zero or not finite), so a prompt cannot learn through it. Pick another output.`,
    );
  }
}

/** Inspects loaded artifacts: refuses with a reason, or returns what it found and proposes. */
export function inspectArtifacts(artifacts: tf.io.ModelArtifacts, weightBytes: number): ModelInspection {
  if (weightBytes > MAX_MODEL_BYTES) {
    throw new ModelRefusal('too-large', tooLargeMessage(weightBytes));
  }
  const format = isGraphTopology(artifacts.modelTopology) ? 'graph' : 'layers';
  const { network, sizeAssumed } = buildForInspection(artifacts);
  try {
    checkInput(network);
    const proposal = proposeOutputs(network.tensors);
    if (proposal.outputs.length === 0 && proposal.features.length === 0) {
      throw new ModelRefusal('no-outputs', 'This model has no output per image that could serve as class scores (no 1-D tensor and no feature map).');
    }
    const notes: string[] = [];
    if (sizeAssumed) notes.push(`The model accepts any input size; the app will use ${DEFAULT_OPEN_INPUT_SIZE}×${DEFAULT_OPEN_INPUT_SIZE}.`);
    if (!proposal.confident) notes.push('The app could not tell which output holds the class scores: check the choice below.');
    const feature = proposal.features.find((f) => f.name === proposal.proposedFeature);
    if (proposal.featureIsMap && feature) {
      notes.push(`No feature vector comes before the class scores: the last feature map is proposed for linear probing (flattened to ${feature.size.toLocaleString('en')} values).`);
    }
    if (proposal.proposedSource) checkGradientPath(network, proposal.proposedSource);
    return {
      format,
      inputSize: network.inputShape[0],
      inputSizeAssumed: sizeAssumed,
      parameterCount: network.parameterCount,
      weightBytes,
      ...proposal,
      notes,
    };
  } finally {
    network.dispose();
  }
}

export function tooLargeMessage(weightBytes: number): string {
  return (
    `This model's weights take ${(weightBytes / 1e6).toFixed(0)} MB; the app refuses models over ` +
    `${MAX_MODEL_BYTES / 1e6} MB because training needs several times that in the tab's memory.`
  );
}

export function isGraphTopology(topology: unknown): boolean {
  return typeof topology === 'object' && topology !== null && Array.isArray((topology as { node?: unknown }).node);
}
