import type { OptimizerKind, ScheduleKind } from '../../../core/design/kinds';
import { useApp } from '../../store';
import { NumberField, SelectField } from '../fields';
import { OPTIMIZERS, SCHEDULES } from './options';

export function OptimizerFields() {
  const design = useApp((s) => s.design);
  const setDesign = useApp((s) => s.setDesign);
  return (
    <>
      <div className="row">
        <SelectField<OptimizerKind>
          label="Optimiser"
          value={design.optimizer}
          options={OPTIMIZERS}
          onChange={(optimizer) => setDesign({ optimizer })}
        />
        <SelectField<ScheduleKind>
          label="Schedule"
          value={design.schedule}
          options={SCHEDULES}
          onChange={(schedule) => setDesign({ schedule })}
        />
      </div>
      <div className="row">
        <NumberField
          label="Learning rate"
          value={design.learningRate}
          min={1e-6}
          max={100}
          step="any"
          onChange={(learningRate) => setDesign({ learningRate })}
        />
        <NumberField
          label="Weight decay"
          value={design.weightDecay}
          min={0}
          max={1}
          step="any"
          onChange={(weightDecay) => setDesign({ weightDecay })}
        />
        {design.optimizer === 'sgd' && (
          <NumberField
            label="Momentum"
            value={design.momentum}
            min={0}
            max={0.999}
            step={0.05}
            onChange={(momentum) => setDesign({ momentum })}
          />
        )}
      </div>
      <div className="row">
        <NumberField
          label="Epochs"
          value={design.epochs}
          min={1}
          max={500}
          onChange={(epochs) => setDesign({ epochs })}
        />
        <NumberField
          label="Batch size"
          value={design.batchSize}
          min={1}
          max={256}
          onChange={(batchSize) => setDesign({ batchSize })}
        />
        <NumberField
          label="Seed"
          hint="One seed sets every random choice."
          value={design.seed}
          min={0}
          max={2 ** 31 - 1}
          onChange={(seed) => setDesign({ seed })}
        />
      </div>
      <small className="hint">
        AutoVP’s reference is Adam at 1e-3 over 200 epochs (SGD at 40 with cosine decay for CLIP). Short runs here start
        at 0.05, which learns visibly within a few epochs.
      </small>
    </>
  );
}
