import { CLIP_VP_PADDING } from '../../../core/design/clipRecipe';
import { isBusy, useApp } from '../../store';
import { clipRecipeFor, isClip } from './clipText';

/**
 * Shown when CLIP is the model: the CLIP-VP recipe of Bahng et al. (AutoVP's CLIP defaults) in
 * one click, and what a CLIP prompt is measured against.
 */
export function ClipRecipe() {
  const entry = useApp((s) => s.models.find((m) => m.manifest.id === s.modelId));
  const design = useApp((s) => s.design);
  const setDesign = useApp((s) => s.setDesign);
  const busy = useApp((s) => isBusy(s.run));
  if (!entry || !isClip(entry.manifest)) return null;
  const canvas = entry.manifest.inputSize;
  const recipe = clipRecipeFor(design, canvas);
  return (
    <div className="clip-recipe" data-testid="clip-recipe">
      <p className="hint" data-testid="clip-zero-shot-goal">
        CLIP classifies your images with no training at all (zero-shot): the prompt should beat its zero-shot accuracy, which
        every CLIP run measures on the same images and shows beside the result.
      </p>
      <button
        type="button"
        className="secondary small"
        disabled={busy || 'problem' in recipe}
        onClick={() => 'design' in recipe && setDesign(recipe.design)}
      >
        Use the CLIP-VP recipe
      </button>{' '}
      <small className="hint">
        {'problem' in recipe
          ? recipe.problem
          : `A ${CLIP_VP_PADDING}-pixel padding prompt around a ${canvas - 2 * CLIP_VP_PADDING}-pixel image, unbounded (no sigmoid), SGD at learning rate 40 with cosine decay, FullyMap starting from the identity (AutoVP's settings for CLIP).`}
      </small>
    </div>
  );
}
