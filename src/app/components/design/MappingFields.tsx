import { sourceClassCount } from '../../../../models';
import type { LabelMappingKind } from '../../../core/design/kinds';
import { mappingCapacityProblem } from '../../../core/design/design';
import { useApp } from '../../store';
import { Checkbox, NumberField, SelectField } from '../fields';
import { MAPPINGS } from './options';

/** Why the chosen one-to-one mapping cannot be built for this model and dataset, if it cannot. */
export function useCapacityProblem(): string | null {
  const design = useApp((s) => s.design);
  const dataset = useApp((s) => s.dataset);
  const modelId = useApp((s) => s.modelId);
  const model = useApp((s) => s.models.find((m) => m.manifest.id === modelId));
  if (!dataset || !model || design.labelMapping === 'fully') return null;
  return mappingCapacityProblem(sourceClassCount(model.manifest), dataset.classes.length, design.k);
}

export function MappingFields() {
  const design = useApp((s) => s.design);
  const setDesign = useApp((s) => s.setDesign);
  const capacity = useCapacityProblem();
  // SemanticMap is not offered for text-image (CLIP-like) models, as in AutoVP.
  const textImage = useApp((s) => s.models.find((m) => m.manifest.id === s.modelId)?.manifest.textImage === true);
  const options = MAPPINGS.filter((m) => m.id !== 'semantic' || !textImage);
  const mapping = MAPPINGS.find((m) => m.id === design.labelMapping);
  return (
    <>
      <SelectField<LabelMappingKind>
        label="Label mapping"
        hint={mapping?.hint}
        value={design.labelMapping}
        options={options}
        onChange={(labelMapping) => setDesign({ labelMapping })}
      />
      {design.labelMapping === 'fully' ? (
        <Checkbox checked={design.identityInit} onChange={(identityInit) => setDesign({ identityInit })}>
          Start as the identity (target class t ← source class t)
        </Checkbox>
      ) : (
        <div className="row">
          <NumberField
            label="Source labels per class (k)"
            value={design.k}
            min={1}
            max={100}
            onChange={(k) => setDesign({ k })}
          />
          {design.labelMapping === 'iter' && (
            <NumberField
              label="Remap every (epochs)"
              value={design.interval}
              min={1}
              max={100}
              onChange={(interval) => setDesign({ interval })}
            />
          )}
        </div>
      )}
      {capacity && (
        <p className="warning" role="alert" data-testid="capacity-problem">
          {capacity}
        </p>
      )}
    </>
  );
}
