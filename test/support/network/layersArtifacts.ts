import * as tf from '@tensorflow/tfjs-core';

/** The model's artifacts, as model.json + weight shards would decode to. */
export async function artifactsOf(model: { save(handler: tf.io.IOHandler): Promise<unknown> }): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return artifacts as tf.io.ModelArtifacts;
}

/** The same artifacts with one layer's activation replaced (e.g. softmax → linear for logits). */
export function withActivation(artifacts: tf.io.ModelArtifacts, layerName: string, activation: string): tf.io.ModelArtifacts {
  const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as {
    model_config?: { config: { layers: { name: string; config: { activation?: string } }[] } };
    config?: { layers: { name: string; config: { activation?: string } }[] };
  };
  const layers = (topology.model_config ?? topology).config?.layers ?? [];
  const layer = layers.find((l) => l.name === layerName);
  if (!layer) throw new Error(`no layer ${layerName}`);
  layer.config.activation = activation;
  return { ...artifacts, modelTopology: topology };
}
