import { type ReactNode, useId } from 'react';
import { MODELS } from '../../../models';
import { mappingCapacityProblem } from '../../engine/config';
import type { LabelMappingKind, PromptKind } from '../../engine/config';
import { isBusy, useApp } from '../store';

const SCALES = [0.5, 1, 1.5];

const MAPPINGS: { id: LabelMappingKind; label: string; hint: string }[] = [
  {
    id: 'fully',
    label: 'FullyMap (learnt linear layer)',
    hint: 'A trainable linear layer turns the model’s outputs into your classes.',
  },
  {
    id: 'freq',
    label: 'FreqMap (most frequent source labels)',
    hint: 'Each class takes the source labels the model most often predicts for its images.',
  },
  {
    id: 'iter',
    label: 'IterMap (FreqMap, recomputed)',
    hint: 'FreqMap recomputed every few epochs while the prompt trains.',
  },
  { id: 'random', label: 'Random mapping', hint: 'Each class takes k random source labels (a baseline).' },
];

const PROMPTS: { id: PromptKind; label: string }[] = [
  { id: 'pad', label: 'Padding frame around the image' },
  { id: 'full', label: 'Full image (additive everywhere)' },
  { id: 'patch', label: 'Patch in the top-left corner' },
];

/** A labelled control; the hint is announced as its description, not as part of its name. */
function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string | undefined;
  children: (id: string, describedBy?: string) => ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, hint ? `${id}-hint` : undefined)}
      {hint && (
        <small className="hint" id={`${id}-hint`}>
          {hint}
        </small>
      )}
    </div>
  );
}

function NumberInput(props: {
  id: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onChange: (v: number) => void;
  disabled: boolean;
}) {
  return (
    <input
      type="number"
      id={props.id}
      value={props.value}
      min={props.min}
      max={props.max}
      step={props.step}
      disabled={props.disabled}
      onChange={(e) => {
        const v = e.target.valueAsNumber;
        if (Number.isFinite(v)) props.onChange(Math.min(props.max, Math.max(props.min, v)));
      }}
    />
  );
}

export function useCapacityProblem(): string | null {
  const design = useApp((s) => s.design);
  const dataset = useApp((s) => s.dataset);
  const modelId = useApp((s) => s.modelId);
  const model = MODELS.find((m) => m.id === modelId);
  if (!dataset || !model || design.labelMapping === 'fully' || !Array.isArray(model.sourceClasses)) return null;
  return mappingCapacityProblem(model.sourceClasses.length, dataset.classes.length, design.k);
}

export function DesignPanel() {
  const design = useApp((s) => s.design);
  const data = useApp((s) => s.data);
  const setDesign = useApp((s) => s.setDesign);
  const setData = useApp((s) => s.setData);
  const baseline = useApp((s) => s.baseline);
  const setBaseline = useApp((s) => s.setBaseline);
  const busy = useApp((s) => isBusy(s.run));
  const capacity = useCapacityProblem();
  const mapping = MAPPINGS.find((m) => m.id === design.labelMapping);
  return (
    <section className="card" aria-labelledby="design-title">
      <h2 id="design-title">3. Visual-prompt design</h2>
      <fieldset disabled={busy}>
        <legend>Input scaling</legend>
        <div className="segmented" role="radiogroup" aria-label="Initial input scale">
          {SCALES.map((s) => (
            <label key={s} className={design.inputScale === s ? 'on' : ''}>
              <input
                type="radio"
                name="scale"
                value={s}
                checked={design.inputScale === s}
                onChange={() => setDesign({ inputScale: s })}
              />
              ×{s} <small>({Math.round(128 * s)} px)</small>
            </label>
          ))}
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={design.trainableResize}
            onChange={(e) => setDesign({ trainableResize: e.target.checked })}
          />
          Trainable resize (learn the scale, starting from ×{design.inputScale})
        </label>
      </fieldset>
      <fieldset disabled={busy}>
        <legend>Prompt and label mapping</legend>
        <Field label="Prompt">
          {(id) => (
            <select id={id} value={design.prompt} onChange={(e) => setDesign({ prompt: e.target.value as PromptKind })}>
              {PROMPTS.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Label mapping" hint={mapping?.hint}>
          {(id, describedBy) => (
            <select
              id={id}
              aria-describedby={describedBy}
              value={design.labelMapping}
              onChange={(e) => setDesign({ labelMapping: e.target.value as LabelMappingKind })}
            >
              {MAPPINGS.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {design.labelMapping !== 'fully' && (
          <div className="row">
            <Field label="Source labels per class (k)">
              {(id) => (
                <NumberInput
                  id={id}
                  value={design.k}
                  min={1}
                  max={10}
                  step={1}
                  disabled={busy}
                  onChange={(k) => setDesign({ k })}
                />
              )}
            </Field>
            {design.labelMapping === 'iter' && (
              <Field label="Remap every (epochs)">
                {(id) => (
                  <NumberInput
                    id={id}
                    value={design.interval}
                    min={1}
                    max={50}
                    step={1}
                    disabled={busy}
                    onChange={(interval) => setDesign({ interval })}
                  />
                )}
              </Field>
            )}
          </div>
        )}
        {capacity && (
          <p className="warning" role="alert" data-testid="capacity-problem">
            {capacity}
          </p>
        )}
      </fieldset>
      <fieldset disabled={busy}>
        <legend>Training</legend>
        <div className="row">
          <Field label="Epochs">
            {(id) => (
              <NumberInput
                id={id}
                value={design.epochs}
                min={1}
                max={200}
                step={1}
                disabled={busy}
                onChange={(epochs) => setDesign({ epochs })}
              />
            )}
          </Field>
          <Field label="Batch size">
            {(id) => (
              <NumberInput
                id={id}
                value={design.batchSize}
                min={1}
                max={256}
                step={1}
                disabled={busy}
                onChange={(batchSize) => setDesign({ batchSize })}
              />
            )}
          </Field>
        </div>
        <div className="row">
          <Field label="Learning rate">
            {(id) => (
              <NumberInput
                id={id}
                value={design.learningRate}
                min={1e-6}
                max={100}
                step={0.0001}
                disabled={busy}
                onChange={(learningRate) => setDesign({ learningRate })}
              />
            )}
          </Field>
          <Field label="Seed">
            {(id) => (
              <NumberInput
                id={id}
                value={design.seed}
                min={0}
                max={2 ** 31 - 1}
                step={1}
                disabled={busy}
                onChange={(seed) => setDesign({ seed })}
              />
            )}
          </Field>
        </div>
        <div className="row">
          <Field label="Training images">
            {(id) => (
              <NumberInput
                id={id}
                value={data.trainImages}
                min={10}
                max={100000}
                step={10}
                disabled={busy}
                onChange={(trainImages) => setData({ trainImages })}
              />
            )}
          </Field>
          <Field label="Validation images">
            {(id) => (
              <NumberInput
                id={id}
                value={data.valImages}
                min={10}
                max={20000}
                step={10}
                disabled={busy}
                onChange={(valImages) => setData({ valImages })}
              />
            )}
          </Field>
        </div>
        <div className="row">
          <Field label="Test images">
            {(id) => (
              <NumberInput
                id={id}
                value={data.testImages}
                min={0}
                max={20000}
                step={10}
                disabled={busy}
                onChange={(testImages) => setData({ testImages })}
              />
            )}
          </Field>
          <label className="check">
            <input type="checkbox" checked={baseline} onChange={(e) => setBaseline(e.target.checked)} />
            Compare with linear probing
          </label>
        </div>
        <small className="hint">
          Adam, learning rate ×0.1 at 50% and 72% of training (the AutoVP defaults). Images are drawn per class from a
          seeded split; {Math.round(data.valFraction * 100)}% of the training pool is held out for validation.
        </small>
      </fieldset>
    </section>
  );
}
