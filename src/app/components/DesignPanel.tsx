import { isBusy, useApp } from '../store';
import { ClipRecipe } from './clip/ClipRecipe';
import { DataFields } from './design/DataFields';
import { InputScaleFields } from './design/InputScaleFields';
import { MappingFields } from './design/MappingFields';
import { OptimizerFields } from './design/OptimizerFields';
import { PromptFields } from './design/PromptFields';

export { useCapacityProblem } from './design/MappingFields';

export function DesignPanel() {
  const busy = useApp((s) => isBusy(s.run));
  return (
    <section className="card" aria-labelledby="design-title">
      <h2 id="design-title">3. Visual-prompt design</h2>
      <ClipRecipe />
      <fieldset disabled={busy}>
        <legend>Input scaling</legend>
        <InputScaleFields />
      </fieldset>
      <fieldset disabled={busy}>
        <legend>Prompt</legend>
        <PromptFields />
      </fieldset>
      <fieldset disabled={busy}>
        <legend>Label mapping</legend>
        <MappingFields />
      </fieldset>
      <fieldset disabled={busy}>
        <legend>Training</legend>
        <OptimizerFields />
      </fieldset>
      <fieldset disabled={busy}>
        <legend>Data</legend>
        <DataFields />
      </fieldset>
    </section>
  );
}
