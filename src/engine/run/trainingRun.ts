/**
 * The one training run, shared by the app's engine worker and the `autovp` CLI: splits → mapping
 * check → SemanticMap preparation → prompt model → training → test → linear-probing baseline.
 * The callers own what differs by runtime: where the data, class names and files come from, how
 * progress is shown, where the baseline is computed, what is recorded and written.
 */
import { mappingCapacityProblem, type VPDesign } from '../../core/design/design';
import { isOneToOne } from '../../core/design/kinds';
import type { FetchBytes } from '../../core/data/builtinDataset';
import type { Dataset } from '../../core/data/imageSet';
import type { Assignment } from '../mapping/assignments';
import type { TextEncoderLoader } from '../mapping/semantic/clipSimilarity';
import { classNameSimilarity, type SemanticMappingReport, semanticMapping, setSemanticAssignment } from '../mapping/semantic';
import { type Evaluation, evaluate } from '../train/evaluate';
import { type DataSelection, type RunSplits, selectSplits } from '../../core/data/runSplits';
import { type TrainCallbacks, type TrainerState, type TrainResult, trainVisualPrompt } from '../train/trainer';
import { type SourceModel, VisualPromptModel } from '../train/visualPromptModel';

export type RunPhase = 'training' | 'testing' | 'baseline';

export interface RunHooks extends Omit<TrainCallbacks, 'shouldStop'> {
  onPhase?(phase: RunPhase): void;
  /**
   * The model is built (SemanticMap assigned): called before the first step. The caller owns the
   * model from here on and disposes of it.
   */
  onReady?(ready: {
    model: VisualPromptModel;
    splits: RunSplits;
    semantic: SemanticMappingReport | null;
  }): void | Promise<void>;
  /** Training ended (finished or stopped), before the test. */
  onTrained?(result: TrainResult): void | Promise<void>;
}

export interface TrainingRunInput<Baseline> {
  source: SourceModel;
  /** The source model's name, for messages. */
  modelName: string;
  /** A text-image model (no SemanticMap). */
  textImage?: boolean | undefined;
  dataset: Dataset;
  selection: DataSelection;
  design: VPDesign;
  /** A model to continue (built from a stored prompt): trained as it is, its mapping kept. */
  resume?: VisualPromptModel | null;
  /**
   * With `resume`: the trainer's state at that prompt's epoch checkpoint, so the run goes on
   * exactly where it was interrupted (epochs, optimiser, shuffles) instead of training anew.
   */
  resumeState?: TrainerState | undefined;
  /** The source model's class names, for SemanticMap (null: unknown). */
  classNames: () => Promise<readonly string[] | null>;
  /** The app's static files (the WordNet lexicon of SemanticMap). */
  fetchBytes: FetchBytes;
  /** SemanticMap's CLIP text encoder, loaded only when SemanticMap runs (none, or it gives null: WordNet). */
  textEncoder?: TextEncoderLoader;
  /** The linear-probing baseline on the run's splits, after the test; null: none. */
  baseline: ((splits: RunSplits) => Promise<Baseline | null>) | null;
  shouldStop?: () => boolean;
  hooks?: RunHooks;
}

export interface TrainingRunOutcome<Baseline> {
  model: VisualPromptModel;
  splits: RunSplits;
  trained: TrainResult;
  /** Null without test images, or when the run was stopped or took no step. */
  test: Evaluation | null;
  /** Null without a baseline, or when the run was stopped. */
  baseline: Baseline | null;
  semantic: SemanticMappingReport | null;
}

/** Refuses a one-to-one mapping the model cannot serve (fewer source classes than k × targets). */
export function checkMappingCapacity(design: VPDesign, numSource: number, numTarget: number, modelName: string): void {
  if (!isOneToOne(design.labelMapping)) return;
  const problem = mappingCapacityProblem(numSource, numTarget, design.k);
  if (problem) throw new Error(`${modelName}: ${problem}`);
}

async function semanticFor<B>(input: TrainingRunInput<B>): Promise<{ assignment: Assignment; report: SemanticMappingReport }> {
  const names = await input.classNames();
  if (!names) {
    throw new Error(
      `SemanticMap needs the class names of ${input.modelName}: put a classes.json (a JSON list) or labels.txt (one per line) beside its model.json, or choose another mapping.`,
    );
  }
  const sourceNames = [...names];
  const targetNames = input.dataset.meta.classes;
  const similarity = await classNameSimilarity({
    sourceNames,
    targetNames,
    numSource: input.source.numSource,
    fetchBytes: input.fetchBytes,
    modelName: input.modelName,
    textImage: input.textImage,
    textEncoder: input.textEncoder,
  });
  return semanticMapping(sourceNames, targetNames, input.design.k, similarity);
}

export async function runTraining<Baseline>(input: TrainingRunInput<Baseline>): Promise<TrainingRunOutcome<Baseline>> {
  const { source, dataset, design, hooks = {} } = input;
  const stopped = input.shouldStop ?? (() => false);
  const numTarget = dataset.meta.classes.length;
  const splits = selectSplits(dataset, input.selection, design.seed);
  if (splits.train.indices.length === 0)
    throw new Error('No training images are left after holding out validation and test images.');
  let semantic: Awaited<ReturnType<typeof semanticFor>> | null = null;
  if (!input.resume) {
    checkMappingCapacity(design, source.numSource, numTarget, input.modelName);
    if (design.labelMapping === 'semantic') semantic = await semanticFor(input);
  }
  const model = input.resume ?? new VisualPromptModel(source, design, numTarget);
  if (semantic) setSemanticAssignment(model.mapping, semantic.assignment);
  await hooks.onReady?.({ model, splits, semantic: semantic?.report ?? null });

  hooks.onPhase?.('training');
  const trained = await trainVisualPrompt(model, splits.train, splits.val, {
    ...(hooks.onBatch ? { onBatch: hooks.onBatch } : {}),
    ...(hooks.onEpoch ? { onEpoch: hooks.onEpoch } : {}),
    ...(hooks.onMapping ? { onMapping: hooks.onMapping } : {}),
    ...(hooks.onMicroBatch ? { onMicroBatch: hooks.onMicroBatch } : {}),
    shouldStop: stopped,
  }, input.resume ? input.resumeState : undefined);
  await hooks.onTrained?.(trained);

  let test: Evaluation | null = null;
  if (splits.test && trained.steps > 0 && !stopped()) {
    hooks.onPhase?.('testing');
    test = await evaluate(model, splits.test, model.design.batchSize);
  }
  let baseline: Baseline | null = null;
  if (input.baseline && !stopped()) {
    hooks.onPhase?.('baseline');
    baseline = await input.baseline(splits);
  }
  return { model, splits, trained, test, baseline, semantic: semantic?.report ?? null };
}
