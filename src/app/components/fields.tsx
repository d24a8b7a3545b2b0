import { type ReactNode, useId } from 'react';

/** A labelled control; the hint is announced as its description, not as part of its name. */
export function Field({
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

/** A number input that only reports finite values, clamped to [min, max]. */
export function NumberInput(props: {
  id: string;
  value: number;
  min: number;
  max: number;
  step: number | 'any';
  onChange: (v: number) => void;
  describedBy?: string | undefined;
}) {
  return (
    <input
      type="number"
      id={props.id}
      aria-describedby={props.describedBy}
      value={props.value}
      min={props.min}
      max={props.max}
      step={props.step}
      onChange={(e) => {
        const v = e.target.valueAsNumber;
        if (Number.isFinite(v)) props.onChange(Math.min(props.max, Math.max(props.min, v)));
      }}
    />
  );
}

/** A labelled number field in one line. */
export function NumberField(props: {
  label: string;
  hint?: string;
  value: number;
  min: number;
  max: number;
  step?: number | 'any';
  onChange: (v: number) => void;
}) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(id, describedBy) => (
        <NumberInput
          id={id}
          describedBy={describedBy}
          value={props.value}
          min={props.min}
          max={props.max}
          step={props.step ?? 1}
          onChange={props.onChange}
        />
      )}
    </Field>
  );
}

/** A labelled select over a list of options. */
export function SelectField<T extends string>(props: {
  label: string;
  hint?: string | undefined;
  value: T;
  options: readonly { id: T; label: string }[];
  onChange: (v: T) => void;
}) {
  return (
    <Field label={props.label} hint={props.hint}>
      {(id, describedBy) => (
        <select
          id={id}
          aria-describedby={describedBy}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value as T)}
        >
          {props.options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function Checkbox(props: { checked: boolean; onChange: (v: boolean) => void; children: ReactNode }) {
  return (
    <label className="check">
      <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} />
      {props.children}
    </label>
  );
}
