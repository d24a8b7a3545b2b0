import { ConfusionMatrix } from './ConfusionMatrix';
import { MappingView } from './MappingView';
import { PromptView } from './PromptView';

/**
 * What the run in view has learnt and where it errs: the prompt, the label mapping and the
 * confusion matrix with its images. Each is a self-contained card; this only lays them out
 * (side by side where the screen is wide enough).
 */
export function RunViews() {
  return (
    <div className="run-views">
      <PromptView />
      <MappingView />
      <ConfusionMatrix />
    </div>
  );
}
