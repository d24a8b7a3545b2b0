import type { VPDesign } from './design';

/** Width of CLIP-VP's padding prompt in pixels (Bahng et al. 2022; AutoVP's CLIP default). */
export const CLIP_VP_PADDING = 30;

/**
 * The CLIP-VP recipe on a design, as AutoVP trains CLIP: a 30-pixel padding prompt added without
 * a sigmoid (δ unbounded), SGD at lr 40 with momentum 0.9 and cosine decay, and FullyMap starting
 * as the identity onto CLIP's class logits (so training starts from zero-shot). The image fills
 * the canvas inside the frame: base size canvas − 60 at scale 1. Other settings are kept.
 */
export function clipVpRecipe(design: VPDesign, canvas: number): VPDesign {
  const inner = canvas - 2 * CLIP_VP_PADDING;
  if (inner < 1) throw new Error(`a ${canvas}-pixel canvas has no room inside a ${CLIP_VP_PADDING}-pixel frame.`);
  return {
    ...design,
    prompt: 'pad',
    promptActivation: 'identity',
    baseSize: inner,
    inputScale: 1,
    trainableResize: false,
    optimizer: 'sgd',
    learningRate: 40,
    momentum: 0.9,
    schedule: 'cosine',
    labelMapping: 'fully',
    identityInit: true,
  };
}
