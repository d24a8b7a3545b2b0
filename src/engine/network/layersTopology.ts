/** The parts of a Keras (tfjs layers-format) model config the executor reads. */
export interface KerasLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  /** Names of the layers whose outputs feed this one, in order. */
  inbound: string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads `modelTopology` of a layers model into its layers, in file order. */
export function parseLayersTopology(topology: unknown): KerasLayer[] {
  if (!isObject(topology)) throw new Error('Malformed layers model: modelTopology is not an object.');
  const model = isObject(topology.model_config) ? topology.model_config : topology;
  const className = model.class_name;
  if (className === 'Sequential') return sequentialLayers(model.config);
  if (className === 'Model' || className === 'Functional') return functionalLayers(model.config);
  throw new Error(`Malformed layers model: the model class is "${String(className)}", expected Model, Functional or Sequential.`);
}

function layerOf(raw: unknown, index: number): { className: string; name: string; config: Json; raw: Json } {
  if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
    throw new Error(`Malformed layers model: layer #${index} has no class_name or config.`);
  }
  const name = typeof raw.name === 'string' ? raw.name : raw.config.name;
  if (typeof name !== 'string') throw new Error(`Malformed layers model: layer #${index} (${raw.class_name}) has no name.`);
  return { className: raw.class_name, name, config: raw.config, raw };
}

function sequentialLayers(config: unknown): KerasLayer[] {
  const list = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(list) || list.length === 0) throw new Error('Malformed layers model: the Sequential model has no layers.');
  const layers = list.map(layerOf);
  const out: KerasLayer[] = [];
  const first = layers[0] as (typeof layers)[number];
  if (first.className !== 'InputLayer') {
    const shape = first.config.batch_input_shape ?? first.config.batch_shape;
    if (!Array.isArray(shape)) throw new Error(`Malformed layers model: the first layer "${first.name}" declares no input shape.`);
    out.push({ className: 'InputLayer', name: `${first.name}_input`, config: { batch_input_shape: shape }, inbound: [] });
  }
  for (const l of layers) {
    const previous = out[out.length - 1];
    out.push({ className: l.className, name: l.name, config: l.config, inbound: previous ? [previous.name] : [] });
  }
  return out;
}

function functionalLayers(config: unknown): KerasLayer[] {
  if (!isObject(config) || !Array.isArray(config.layers)) throw new Error('Malformed layers model: model_config.config.layers is missing.');
  if (Array.isArray(config.input_layers) && config.input_layers.length > 1) {
    throw new Error(`The model has ${config.input_layers.length} inputs; only single-image-input models are supported.`);
  }
  return config.layers.map((raw, i) => {
    const l = layerOf(raw, i);
    return { className: l.className, name: l.name, config: l.config, inbound: inboundLayers(l.raw.inbound_nodes, l.name) };
  });
}

/**
 * inbound_nodes comes in two dialects: tfjs/Keras 2 `[[["name", nodeIndex, tensorIndex, {}], …]]`
 * and Keras 3 `[{args: [keras tensors…], kwargs}]` whose tensors carry `keras_history`.
 */
function inboundLayers(nodes: unknown, layer: string): string[] {
  if (nodes === undefined || (Array.isArray(nodes) && nodes.length === 0)) return [];
  if (!Array.isArray(nodes)) throw new Error(`Malformed layers model: inbound_nodes of layer "${layer}" is not a list.`);
  if (nodes.length > 1) throw new Error(`Layer "${layer}" is applied ${nodes.length} times; shared layers are not supported.`);
  const node = nodes[0];
  const refs: unknown[] = [];
  if (Array.isArray(node)) {
    refs.push(...node);
  } else if (isObject(node)) {
    collectKerasHistories(node.args, refs);
  } else {
    throw new Error(`Malformed layers model: an inbound node of layer "${layer}" is neither a list nor an object.`);
  }
  return refs.map((ref) => {
    if (!Array.isArray(ref) || typeof ref[0] !== 'string') {
      throw new Error(`Malformed layers model: an input reference of layer "${layer}" is not [name, node, tensor].`);
    }
    if ((ref[1] ?? 0) !== 0 || (ref[2] ?? 0) !== 0) {
      throw new Error(`Layer "${layer}" reads output ${String(ref[2])} of node ${String(ref[1])} of "${ref[0]}"; only single-use, single-output layers are supported.`);
    }
    return ref[0];
  });
}

function collectKerasHistories(v: unknown, into: unknown[]): void {
  if (Array.isArray(v)) {
    for (const item of v) collectKerasHistories(item, into);
  } else if (isObject(v) && isObject(v.config) && Array.isArray(v.config.keras_history)) {
    into.push(v.config.keras_history);
  }
}
