import { sourceClassCount } from '../../../../models';
import { mappingCapacityProblem } from '../../../core/design/design';
import { isOneToOne } from '../../../core/design/kinds';
import { useApp } from '../../store';
import { DesignField } from './DesignField';

/** Why the chosen one-to-one mapping cannot be built for this model and dataset, if it cannot. */
export function useCapacityProblem(): string | null {
  const design = useApp((s) => s.design);
  const dataset = useApp((s) => s.dataset);
  const modelId = useApp((s) => s.modelId);
  const model = useApp((s) => s.models.find((m) => m.manifest.id === modelId));
  if (!dataset || !model || !isOneToOne(design.labelMapping)) return null;
  // CLIP's source classes are the dataset's own class names.
  const numSource = model.manifest.format === 'clip' ? dataset.classes.length : sourceClassCount(model.manifest);
  return mappingCapacityProblem(numSource, dataset.classes.length, design.k);
}

export function MappingFields() {
  const capacity = useCapacityProblem();
  // SemanticMap is not offered for text-image (CLIP-like) models, as in AutoVP.
  const textImage = useApp((s) => s.models.find((m) => m.manifest.id === s.modelId)?.manifest.textImage === true);
  return (
    <>
      <DesignField param="labelMapping" offer={(id) => id !== 'semantic' || !textImage} />
      <DesignField param="identityInit" />
      <div className="row">
        <DesignField param="k" />
        <DesignField param="interval" />
      </div>
      {capacity && (
        <p className="warning" role="alert" data-testid="capacity-problem">
          {capacity}
        </p>
      )}
    </>
  );
}
