import type { PromptActivation, PromptKind } from '../../../core/design/kinds';
import { useApp } from '../../store';
import { NumberField, SelectField } from '../fields';
import { ACTIVATIONS, PROMPTS } from './options';

export function PromptFields() {
  const design = useApp((s) => s.design);
  const setDesign = useApp((s) => s.setDesign);
  return (
    <>
      <SelectField<PromptKind>
        label="Prompt"
        value={design.prompt}
        options={PROMPTS}
        onChange={(prompt) => setDesign({ prompt })}
      />
      {design.prompt === 'patch' && (
        <NumberField
          label="Patch size (px of the canvas)"
          value={design.patchSize}
          min={1}
          max={1024}
          onChange={(patchSize) => setDesign({ patchSize })}
        />
      )}
      <SelectField<PromptActivation>
        label="Prompt activation"
        value={design.promptActivation}
        options={ACTIVATIONS}
        onChange={(promptActivation) => setDesign({ promptActivation })}
      />
    </>
  );
}
