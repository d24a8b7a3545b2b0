import type { ReactNode } from 'react';
import type { VPDesign } from '../../../core/design/design';
import { type DesignParam, designParam } from '../../../core/design/schema';
import { useApp } from '../../store';
import { Checkbox, NumberField, SelectField } from '../fields';

/**
 * One design parameter's control, built from its schema row (label, range, step, choices, hint),
 * and nothing where the parameter does not apply to the current design.
 */
export function DesignField(props: {
  param: keyof VPDesign;
  /** A flag's text, when it says more than the row's label. */
  children?: ReactNode;
  /** The choices offered (default: all). */
  offer?: (id: string) => boolean;
}) {
  const design = useApp((s) => s.design);
  const setDesign = useApp((s) => s.setDesign);
  const p = designParam(props.param) as DesignParam;
  if (p.appliesWhen && !p.appliesWhen(design)) return null;
  const set = (v: VPDesign[keyof VPDesign]) => setDesign({ [p.key]: v } as Partial<VPDesign>);
  const value = design[p.key];
  switch (p.type) {
    case 'number':
    case 'int':
      return (
        <NumberField
          label={p.label}
          {...(p.hint ? { hint: p.hint } : {})}
          value={value as number}
          min={p.min}
          max={p.max}
          step={p.step ?? 1}
          onChange={set}
        />
      );
    case 'choice': {
      const options = props.offer ? p.choices.filter((c) => props.offer?.(c.id)) : p.choices;
      // A choice's own hint (what this label mapping does) says more than the row's.
      const chosen = p.choices.find((c) => c.id === value) as { hint?: string } | undefined;
      return (
        <SelectField<string>
          label={p.label}
          hint={chosen?.hint ?? p.hint}
          value={value as string}
          options={options}
          onChange={(v) => set(v as VPDesign[keyof VPDesign])}
        />
      );
    }
    case 'flag':
      return (
        <Checkbox checked={value as boolean} onChange={set}>
          {props.children ?? p.label}
        </Checkbox>
      );
  }
}
