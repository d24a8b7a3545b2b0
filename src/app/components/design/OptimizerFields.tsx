import { designParam } from '../../../core/design/schema';
import { DesignField } from './DesignField';

export function OptimizerFields() {
  return (
    <>
      <div className="row">
        <DesignField param="optimizer" />
        <DesignField param="schedule" />
      </div>
      <div className="row">
        <DesignField param="learningRate" />
        <DesignField param="weightDecay" />
        <DesignField param="momentum" />
      </div>
      <div className="row">
        <DesignField param="epochs" />
        <DesignField param="batchSize" />
        <DesignField param="seed" />
      </div>
      <small className="hint">{designParam('learningRate').help}</small>
    </>
  );
}
