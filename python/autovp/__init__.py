"""AutoVP reference in PyTorch, independent of the TypeScript engine.

- tfjs_weights: read a TensorFlow.js model.json and its weight shards with numpy, dequantised
  exactly as tfjs's ``tf.io.decodeWeights`` does.
- tfjs_to_torch: rebuild a Keras layers-format tfjs model as a torch module with the same weights.
- vp_reference: the AutoVP pipeline (input scaling, padding prompt, label mappings, loss,
  optimisers) written from docs/method.md (../shared/AUTOVP.md).
- freqmap: FreqMap / IterMap exactly as IBM/AutoVP's Frequency_mapping_define (numpy only).
- exchange: the raw float32 + JSON-manifest tensor files the parity tests use to talk to Node.

Needs numpy, and torch for everything but tfjs_weights, exchange and freqmap.
"""

__all__ = ["tfjs_weights", "tfjs_to_torch", "vp_reference", "freqmap", "exchange"]
