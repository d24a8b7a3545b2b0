import { useApp } from '../../store';
import { searchValues } from '../../../core/design/schema';
import { DesignField } from './DesignField';

export function InputScaleFields() {
  const design = useApp((s) => s.design);
  const setDesign = useApp((s) => s.setDesign);
  const side = (scale: number) => Math.round(design.baseSize * scale);
  return (
    <>
      <div className="segmented" role="radiogroup" aria-label="Initial input scale">
        {searchValues('inputScale').map((s) => (
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
        <DesignField param="inputScale" />
        <DesignField param="baseSize" />
      </div>
      <DesignField param="trainableResize">
        Trainable resize (learn the scale, starting from ×{design.inputScale}, kept within ×0.1–×5)
      </DesignField>
    </>
  );
}
