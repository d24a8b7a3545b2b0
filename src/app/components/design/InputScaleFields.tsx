import { useApp } from '../../store';
import { Checkbox, NumberField } from '../fields';
import { SCALES } from './options';

export function InputScaleFields() {
  const design = useApp((s) => s.design);
  const setDesign = useApp((s) => s.setDesign);
  const side = (scale: number) => Math.round(design.baseSize * scale);
  return (
    <>
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
            ×{s} <small>({side(s)} px)</small>
          </label>
        ))}
      </div>
      <div className="row">
        <NumberField
          label="Scale (any value)"
          value={design.inputScale}
          min={0.1}
          max={5}
          step={0.05}
          onChange={(inputScale) => setDesign({ inputScale })}
        />
        <NumberField
          label="Base size (px)"
          hint="Images are first resized to this square."
          value={design.baseSize}
          min={8}
          max={512}
          onChange={(baseSize) => setDesign({ baseSize })}
        />
      </div>
      <Checkbox checked={design.trainableResize} onChange={(trainableResize) => setDesign({ trainableResize })}>
        Trainable resize (learn the scale, starting from ×{design.inputScale}, kept within ×0.1–×5)
      </Checkbox>
    </>
  );
}
