import { useState } from 'react';
import type { MappingFamily } from '../../../worker/api/searchApi';
import { LABEL_MAPPINGS, PROMPT_SHAPES, type PromptKind } from '../../../core/design/kinds';
import { designParam, searchValues } from '../../../core/design/schema';
import { autovpSpace } from '../../../core/search/space';
import { useApp } from '../../store';

/** One axis of the space as a checkbox group; numeric axes also take a value of one's own. */
function Axis<T extends string | number | boolean>(props: {
  legend: string;
  hint?: string;
  values: readonly T[];
  selected: readonly T[];
  label: (v: T) => string;
  onChange: (selected: T[]) => void;
  add?: { label: string; min: number; max: number; step: number; parse: (n: number) => T };
  testId: string;
}) {
  const [extra, setExtra] = useState('');
  const [refused, setRefused] = useState<string | null>(null);
  const options = [...new Set([...props.values, ...props.selected])].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : 0,
  );
  const toggle = (v: T, on: boolean) =>
    props.onChange(
      on ? options.filter((o) => o === v || props.selected.includes(o)) : props.selected.filter((s) => s !== v),
    );
  const add = props.add;
  const addValue = () => {
    const n = Number(extra);
    if (!add) return;
    if (!Number.isFinite(n) || n < add.min || n > add.max) {
      setRefused(`${extra} is not added: give a value from ${add.min} to ${add.max}.`);
      return;
    }
    setRefused(null);
    const v = add.parse(n);
    if (!props.selected.includes(v)) props.onChange([...props.selected, v]);
    setExtra('');
  };
  return (
    <fieldset className="axis" data-testid={props.testId}>
      <legend>{props.legend}</legend>
      <div className="axis-options">
        {options.map((v) => (
          <label key={String(v)} className="check">
            <input type="checkbox" checked={props.selected.includes(v)} onChange={(e) => toggle(v, e.target.checked)} />
            {props.label(v)}
          </label>
        ))}
        {add && (
          <span className="axis-add">
            <input
              type="number"
              aria-label={add.label}
              min={add.min}
              max={add.max}
              step={add.step}
              value={extra}
              onChange={(e) => {
                setExtra(e.target.value);
                setRefused(null);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  addValue();
                }
              }}
            />
            <button
              type="button"
              className="secondary small"
              onClick={addValue}
              disabled={extra === ''}
              aria-label={`Add ${add.label.toLowerCase()}`}
            >
              Add
            </button>
          </span>
        )}
      </div>
      {refused && (
        <small className="error" role="alert">
          {refused}
        </small>
      )}
      {props.hint && <small className="hint">{props.hint}</small>}
    </fieldset>
  );
}

/** The families AutoVP searches, offered in the schema's order. */
const FAMILIES: MappingFamily[] = autovpSpace([]).mappings;
const familyLabel = (f: MappingFamily) => LABEL_MAPPINGS.find((m) => m.id === f)?.label ?? f;
const PROMPTS: PromptKind[] = PROMPT_SHAPES.map((p) => p.id);
const promptLabel = (p: PromptKind) => PROMPT_SHAPES.find((s) => s.id === p)?.name ?? p;
const SCALE = designParam('inputScale');
const K = designParam('k');
const INTERVAL = designParam('interval');

/** The models a search ticks: explicit ticks, or the model selected in panel 2 until one is ticked. */
export function useSearchModels(): string[] {
  const ticked = useApp((s) => s.searchForm.models);
  const selected = useApp((s) => s.modelId);
  return ticked.length ? ticked : [selected];
}

/** The axes of the search space: source model × mapping family × scale × resize × k (× interval). */
export function SpaceFields() {
  const form = useApp((s) => s.searchForm);
  const setForm = useApp((s) => s.setSearchForm);
  const models = useApp((s) => s.models);
  const baseSize = useApp((s) => s.design.baseSize);
  const ticked = useSearchModels();
  return (
    <>
      <fieldset className="axis" data-testid="axis-models">
        <legend>Source models</legend>
        <ul className="axis-models">
          {models.map((m) => {
            const id = m.manifest.id;
            return (
              <li key={id}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={ticked.includes(id)}
                    onChange={(e) =>
                      setForm({ models: e.target.checked ? [...ticked, id] : ticked.filter((t) => t !== id) })
                    }
                  />
                  <span>
                    {m.manifest.name}{' '}
                    <span className="muted">
                      — {m.sourceClassCount} classes{m.origin === 'hub' && !m.cached ? ', downloaded on first use' : ''}
                      {m.manifest.textImage ? ', text-image' : ''}
                    </span>
                  </span>
                </label>
              </li>
            );
          })}
        </ul>
      </fieldset>
      <Axis<MappingFamily>
        legend="Label mapping"
        values={FAMILIES}
        selected={form.mappings}
        label={familyLabel}
        onChange={(mappings) => setForm({ mappings })}
        hint="SemanticMap is left out for text-image models; one-to-one mappings (all but FullyMap) need classes × k source labels."
        testId="axis-mappings"
      />
      <Axis<PromptKind>
        legend="Prompt"
        values={PROMPTS}
        selected={form.prompts ?? ['pad']}
        label={promptLabel}
        onChange={(prompts) => setForm({ prompts })}
        hint="AutoVP searches the padding prompt. LoR-VP and SMM fill the model’s whole input: one trial per mapping, with no scale or resize to search."
        testId="axis-prompts"
      />
      <div className="axis-row">
        <Axis<number>
          legend="Initial scale"
          values={searchValues('inputScale')}
          selected={form.scales}
          label={(s) => `×${s} (${Math.round(baseSize * s)} px)`}
          onChange={(scales) => setForm({ scales })}
          add={{ label: 'Another scale', min: SCALE.min, max: SCALE.max, step: 0.05, parse: (n) => n }}
          testId="axis-scales"
        />
        <Axis<boolean>
          legend="Trainable resize"
          values={searchValues('trainableResize')}
          selected={form.trainableResize}
          label={(r) => (r ? 'on' : 'off')}
          onChange={(trainableResize) => setForm({ trainableResize })}
          testId="axis-resize"
        />
      </div>
      <div className="axis-row">
        <Axis<number>
          legend="Source labels per class (k)"
          values={searchValues('k')}
          selected={form.ks}
          label={(k) => `k=${k}`}
          onChange={(ks) => setForm({ ks })}
          add={{ label: 'Another k', min: K.min, max: K.max, step: 1, parse: Math.round }}
          hint="Not used by FullyMap."
          testId="axis-ks"
        />
        <Axis<number>
          legend="IterMap: remap every"
          values={searchValues('interval')}
          selected={form.intervals}
          label={(i) => `${i} epoch${i === 1 ? '' : 's'}`}
          onChange={(intervals) => setForm({ intervals })}
          add={{ label: 'Another interval (epochs)', min: INTERVAL.min, max: INTERVAL.max, step: 1, parse: Math.round }}
          hint="FreqMap is interval “none”."
          testId="axis-intervals"
        />
      </div>
    </>
  );
}
