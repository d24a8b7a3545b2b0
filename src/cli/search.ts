/**
 * `autovp search`: the engine's AutoVP search (space.ts, ASHA, SearchController,
 * createTrialExecutor) on the command line, then the winner trained in full with `trainOne`.
 */
import { mkdir } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { VPDesign } from '../core/design/design';
import type { PromptKind } from '../core/design/kinds';
import { MODELS } from '../../models';
import { sourceClassCount } from '../engine/models/classNames';
import { SourceModelHolder } from '../engine/models/modelHolder';
import { classNameSimilarity, type NameSimilarity, semanticMapping, setSemanticAssignment } from '../engine/mapping/semantic';
import type { AshaOptions } from '../core/search/asha';
import { createSearch, SearchController, type TrialExecutor } from '../core/search/searchController';
import { defaultPoolSize } from '../core/search/poolSize';
import { DEFAULT_SEARCH } from '../core/search/searchDefaults';
import { estimateSearch, REFERENCE_SPEED, searchClock, type SearchWork } from '../core/search/searchEstimate';
import { trialEnding, trialName } from '../core/search/trialName';
import { bestTrial, leaderboard, type SearchState, type TrialRecord } from '../core/search/searchState';
import {
  enumerateTrials,
  type MappingFamily,
  type SearchModelInfo,
  type SearchSpace,
  type TrialConfig,
  tuningGrid,
} from '../core/search/space';
import { createTrialExecutor, trialDesign } from '../engine/search/trialExecutor';
import { selectSplits } from '../core/data/runSplits';
import { Rng } from '../core/util/rng';
import type { ParsedOptions } from './args';
import { type CliBackend, describeBackend, initBackend } from './backend';
import { publicBytes } from './data';
import { type CliEnv, CliError, shownPath } from './env';
import { buildSource, type ResolvedModel, resolveModel } from './models';
import { formatDuration, percent, Progress } from './progress';
import { designFromOptions } from './designOptions';
import { designParam } from '../core/design/schema';
import { parseParam } from '../core/design/validate';
import { dataSelection, loadRunData } from './runData';
import { GENERATOR, trainOne, writeAtomic } from './run';
import { prepareOutput } from './outputFolder';
import { folderModelOptions } from './train';
import { clipZeroShot, recordZeroShot, resolveTextEncoder } from './clipModel';
import { type BatchNote, forkTrialWorker, noteBatch, type RemoteExecutor, serveTrials } from './searchWorkers';
import { resumeSearchFrom } from './searchResume';

/** A list option's values, each checked against the design parameter it searches. */
function values(raw: string[] | undefined, flag: string, key: 'inputScale' | 'k'): number[] | undefined {
  if (!raw) return undefined;
  const param = designParam(key);
  return raw.map((v) => {
    const parsed = parseParam(param, v);
    if (!parsed.ok) throw new CliError(`--${flag}: ${JSON.stringify(v)} ${parsed.problem} (${param.noun}).`);
    return parsed.value as number;
  });
}

/** The search space from the options (the default search's, the app's too, where none are given). */
/** The candidate models: those given, else the app's default model (the first built-in). */
function searchModelSpecs(o: ParsedOptions): string[] {
  return (o.model as string[] | undefined) ?? [MODELS[0]!.id];
}

function spaceFromOptions(o: ParsedOptions, modelIds: string[]): SearchSpace {
  const space: SearchSpace = {
    models: modelIds,
    mappings: [...DEFAULT_SEARCH.mappings],
    scales: [...DEFAULT_SEARCH.scales],
    trainableResize: [...DEFAULT_SEARCH.trainableResize],
    ks: [...DEFAULT_SEARCH.ks],
    intervals: [...DEFAULT_SEARCH.intervals],
  };
  const mappings = o.mappings as MappingFamily[] | undefined;
  const scales = values(o.scales as string[] | undefined, 'scales', 'inputScale');
  const ks = values(o.ks as string[] | undefined, 'ks', 'k');
  const resize = (o.resize as string | undefined) ?? 'both';
  const prompts = o.prompts as PromptKind[] | undefined;
  return {
    ...space,
    ...(prompts ? { prompts: [...new Set(prompts)] } : {}),
    ...(mappings ? { mappings: [...new Set(mappings)] } : {}),
    ...(scales ? { scales: [...new Set(scales)] } : {}),
    ...(ks ? { ks: [...new Set(ks)] } : {}),
    trainableResize: resize === 'both' ? [false, true] : [resize === 'trainable'],
  };
}

/** The options with the default search's images where none were given (the app's default run). */
function withSearchImages(o: ParsedOptions): ParsedOptions {
  return {
    ...o,
    'train-images': o['train-images'] ?? DEFAULT_SEARCH.images.train,
    'val-images': o['val-images'] ?? DEFAULT_SEARCH.images.validation,
    'test-images': o['test-images'] ?? DEFAULT_SEARCH.images.test,
  };
}

interface TrialSummary {
  id: string;
  model: string;
  stage: 1 | 2;
  design: TrialConfig['design'];
  learningRate?: number;
  weightDecay?: number;
  status: TrialRecord['status'];
  epochs: number;
  rungsReached: number[];
  valAcc: number | null;
  valAccByEpoch: number[];
  trainAccByEpoch: number[];
  seconds: number;
  error?: string;
}

function summariseTrial(t: TrialRecord, state: SearchState): TrialSummary {
  const scheduler = state.schedulers[t.stage];
  const rungs = scheduler
    ? scheduler.milestones.filter((m, r) => (scheduler.recorded[r] ?? {})[t.config.id] !== undefined)
    : [];
  const last = t.epochs[t.epochs.length - 1];
  return {
    id: t.config.id,
    model: t.config.modelId,
    stage: t.stage,
    design: t.config.design,
    ...(t.learningRate !== undefined ? { learningRate: t.learningRate } : {}),
    ...(t.weightDecay !== undefined ? { weightDecay: t.weightDecay } : {}),
    status: t.status,
    epochs: t.epochs.length,
    rungsReached: rungs,
    valAcc: last && Number.isFinite(last.valAcc) ? last.valAcc : null,
    valAccByEpoch: t.epochs.map((e) => e.valAcc),
    trainAccByEpoch: t.epochs.map((e) => e.trainAcc),
    seconds: t.epochs.reduce((s, e) => s + e.seconds, 0),
    ...(t.error ? { error: t.error } : {}),
  };
}

/** What every process of a search loads alike: the models, the images, the trials' splits and how to train one. */
async function loadSearch(o: ParsedOptions, env: CliEnv, progress: Progress) {
  const seed = (o.seed as number | undefined) ?? 7;
  const maxEpochs = (o['max-epochs'] as number | undefined) ?? DEFAULT_SEARCH.asha.maxEpochs;
  const asha: AshaOptions = {
    maxEpochs,
    gracePeriod: Math.min((o.grace as number | undefined) ?? DEFAULT_SEARCH.asha.gracePeriod, maxEpochs),
    reductionFactor: (o.reduction as number | undefined) ?? DEFAULT_SEARCH.asha.reductionFactor,
  };
  // Models: resolved once, by id (a folder of a built-in model gets the built-in id).
  const models = new Map<string, ResolvedModel>();
  for (const spec of searchModelSpecs(o)) {
    const m = await resolveModel(spec, env, folderModelOptions(o));
    for (const n of m.notes) progress.line(n);
    if (!models.has(m.id)) models.set(m.id, m);
  }
  const textEncoder = await resolveTextEncoder(o['text-encoder'] as string | undefined, env, progress);
  const data = await loadRunData(o, env, progress);
  const classes = data.dataset.meta.classes;
  const selection = dataSelection(o, data.dataset);
  const trialImages = Math.min(
    (o['trial-images'] as number | undefined) ?? DEFAULT_SEARCH.trialTrainImages,
    selection.trainImages,
  );
  const baseDesign: VPDesign = { ...designFromOptions(o), epochs: maxEpochs };
  // Trials train on fewer images than the winner; validation is the same split for both.
  const splits = selectSplits(data.dataset, { ...selection, trainImages: trialImages }, seed);
  if (splits.train.indices.length === 0)
    throw new CliError('No training images are left after holding out validation and test images.');
  const names = new Map<string, string[] | null>();
  for (const [id, m] of models) names.set(id, await m.classNames().catch(() => null));
  // SemanticMap: the names compared once per model, for every k.
  const similarities = new Map<string, Promise<NameSimilarity>>();
  const similarityFor = (m: ResolvedModel, numSource: number) => {
    let similarity = similarities.get(m.id);
    if (!similarity) {
      similarity = classNameSimilarity({
        sourceNames: names.get(m.id) ?? [],
        targetNames: classes,
        numSource,
        fetchBytes: publicBytes(env),
        modelName: m.manifest.name,
        textImage: m.manifest.textImage,
        textEncoder,
      });
      similarities.set(m.id, similarity);
    }
    return similarity;
  };

  // Source models: one in memory at a time (trials are grouped by model).
  const holder = new SourceModelHolder();
  const sourceModel = (id: string) => {
    const m = models.get(id);
    if (!m) throw new Error(`unknown model ${id}`);
    const buildFor = m.buildSourceFor;
    if (buildFor) {
      // CLIP's source classes are this run's class names: reading and building are one step, so
      // the model in memory is freed first.
      return holder.get(
        id,
        async () => {
          holder.release();
          return buildFor(classes, progress);
        },
        (source) => source,
      );
    }
    return holder.get(
      id,
      () => m.artifacts(progress),
      (a) => buildSource(m, a),
    );
  };
  const executor = (hooks: { shouldStop: () => boolean; onBatch?: (imagesPerSecond: number) => void }) =>
    createTrialExecutor({
      splits,
      numTarget: classes.length,
      baseDesign,
      plannedEpochs: asha.maxEpochs,
      sourceModel,
      prepare: async (model, trial) => {
        if (model.design.labelMapping !== 'semantic') return;
        const m = models.get(trial.config.modelId) as ResolvedModel;
        const similarity = await similarityFor(m, model.source.numSource);
        setSemanticAssignment(model.mapping, semanticMapping(names.get(m.id) ?? [], classes, model.design.k, similarity).assignment);
      },
      shouldStop: hooks.shouldStop,
      ...(hooks.onBatch ? { onBatch: (m) => hooks.onBatch?.(m.imagesPerSecond) } : {}),
    });
  return {
    seed,
    asha,
    models,
    data,
    classes,
    selection,
    trialImages,
    baseDesign,
    splits,
    names,
    textEncoder,
    holder,
    sourceModel,
    executor,
  };
}

/** `__search-worker`: one worker process of `autovp search --workers N` (searchWorkers.ts). */
export async function runSearchWorker(o: ParsedOptions, env: CliEnv): Promise<number> {
  const progress = new Progress(env.stderr, { quiet: true });
  await initBackend((o.backend as CliBackend | undefined) ?? 'wasm', env);
  const search = await loadSearch(withSearchImages(o), env, progress);
  const stop = { requested: false };
  try {
    await serveTrials(search.executor({ shouldStop: () => stop.requested, onBatch: noteBatch }), stop);
  } finally {
    search.holder.release();
  }
  return 0;
}

export async function runSearch(given: ParsedOptions, env: CliEnv, argv: readonly string[] = []): Promise<number> {
  const o = withSearchImages(given);
  const progress = new Progress(env.stderr, { quiet: Boolean(o.quiet) });
  const out = resolve(env.cwd, o.out as string);
  const backend = await initBackend((o.backend as CliBackend | undefined) ?? 'wasm', env);
  progress.line(`autovp search · backend ${describeBackend(backend)}`);
  const search = await loadSearch(o, env, progress);
  const { seed, asha, models, data, classes, selection, baseDesign, splits, names, textEncoder, holder, sourceModel } = search;

  // The space, and what cannot run in it.
  const infos: SearchModelInfo[] = [...models.values()].map((m) => ({
    id: m.id,
    // CLIP's source classes are the run's own, one per class.
    numSource: m.buildSourceFor ? classes.length : sourceClassCount(m.manifest),
    textImage: Boolean(m.manifest.textImage),
  }));
  const space = spaceFromOptions(o, [...models.keys()]);
  const enumerated = enumerateTrials(space, infos, classes.length);
  const excluded = [...enumerated.excluded];
  let trials = enumerated.trials.filter((t) => {
    if (t.design.labelMapping === 'semantic' && !names.get(t.modelId)) {
      excluded.push({
        id: t.id,
        reason: `SemanticMap needs class names, and ${t.modelId} has none (put a classes.json beside its model.json).`,
      });
      return false;
    }
    return true;
  });
  const maxTrials = o['max-trials'] as number | undefined;
  const total = trials.length;
  if (maxTrials !== undefined && maxTrials < trials.length)
    trials = new Rng(seed + 1).shuffle([...trials]).slice(0, maxTrials);
  if (trials.length === 0) {
    throw new CliError(
      'The search space has no configuration that can run.',
      excluded.slice(0, 8).map((e) => `${e.id}: ${e.reason}`),
    );
  }
  const budgetMinutes = (o['budget-minutes'] as number | undefined) ?? DEFAULT_SEARCH.budgetMinutes;
  const budgetSeconds = budgetMinutes > 0 ? budgetMinutes * 60 : null;
  const tune = Boolean(o.tune);
  const machineWorkers = defaultPoolSize(cpus().length, totalmem() / 2 ** 30);
  const workers = Math.min((o.workers as number | undefined) ?? machineWorkers, trials.length);
  const finalEpochs = (o['final-epochs'] as number | undefined) ?? DEFAULT_SEARCH.finalEpochs;
  const state = createSearch({
    id: `cli-search-${Date.now().toString(36)}`,
    seed,
    space,
    trials,
    asha,
    budgetSeconds,
    tuning: tune
      ? tuningGrid([...models.values()].every((m) => m.manifest.textImage === true))
      : { learningRates: [], weightDecays: [] },
  });
  const several = models.size > 1;
  const nameOf = (t: TrialRecord) => trialName(t, several ? models.get(t.config.modelId)?.manifest.name : undefined);
  progress.line(
    `Searching ${trials.length} of ${total} configurations${excluded.length ? ` (${excluded.length} excluded)` : ''} · ASHA max ${asha.maxEpochs} epochs, grace ${asha.gracePeriod}, η ${asha.reductionFactor}` +
      `${budgetSeconds !== null ? ` · budget ${budgetMinutes} min` : ''} · ${workers} worker${workers === 1 ? '' : 's'}${tune ? ' · then learning rate × weight decay for the winner' : ''}`,
  );
  progress.line(
    `Splits: ${splits.train.indices.length} training images per trial (the winner trains on ${selection.trainImages}), ${splits.val.indices.length} validation images (trials are ranked on validation).`,
  );
  const work: SearchWork = {
    trials: trials.length,
    asha,
    workers,
    budgetSeconds,
    trialImages: { train: splits.train.indices.length, validation: splits.val.indices.length },
    final: {
      epochs: finalEpochs,
      train: selection.trainImages,
      validation: selection.valImages,
      test: selection.testImages,
      baseline: !o['no-baseline'],
    },
  };
  // Speed: darknet-tiny's reference until the first batch, then what the trials measure.
  let secondsPerImage: number | null = models.has(REFERENCE_SPEED.modelId) ? REFERENCE_SPEED.cliSecondsPerImage : null;
  if (secondsPerImage !== null) {
    const e = estimateSearch(work, secondsPerImage);
    progress.line(
      `Estimate: about ${formatDuration(e.totalSeconds)} in all${e.longestSeconds - e.totalSeconds >= 60 ? ` (at most ${formatDuration(e.longestSeconds)} if ASHA stops no trial)` : ''} — the trials ${formatDuration(e.searchSeconds)}${e.budgetBinds ? ' (the budget ends them)' : ''}, ` +
        `the winner ${formatDuration(e.finalSeconds)} (darknet-tiny's speed on one CPU core; corrected as the trials run).`,
    );
  }

  await mkdir(out, { recursive: true });
  const searchPath = join(out, 'search.json');
  const config = {
    command: 'search',
    models: [...models.keys()],
    modelSpecs: searchModelSpecs(o),
    dataPath: data.train.location,
    testDataPath: data.testData?.location ?? null,
    seed,
    maxTrials: maxTrials ?? null,
    budgetMinutes: budgetSeconds === null ? null : budgetMinutes,
    tune,
    workers,
    trialTrainImages: splits.train.indices.length,
    finalEpochs,
    baseDesign,
    data: selection,
    backend: backend.name,
  };
  if (o.resume !== undefined) {
    // The saved search replaces the new one: its finished trials, rungs and time searched.
    const resumed = await resumeSearchFrom(resolve(env.cwd, o.resume as string), env, { config, state });
    Object.assign(state, resumed.state);
    progress.line(
      `Resuming the search of ${shownPath(env, resumed.path)}: ${resumed.kept} trial${resumed.kept === 1 ? '' : 's'} ended and kept, ` +
        `${resumed.rerun} cut short by the interruption to run again from the start, ${state.trials.filter((t) => t.status === 'pending').length} to run in all.`,
    );
  }
  let finalTraining: Record<string, unknown> | null = null;
  const document = () => {
    const ranked = leaderboard(state.trials.filter((t) => t.epochs.length > 0 && t.status !== 'failed'));
    const winner = bestTrial(state.trials);
    return {
      generator: GENERATOR,
      createdAt: new Date(state.createdAt).toISOString(),
      config,
      status: state.status,
      elapsedSeconds: state.elapsedSeconds,
      budgetSeconds: state.budgetSeconds,
      space,
      asha,
      configurations: { total, searched: trials.length, excluded: excluded.length },
      trials: state.trials.map((t) => summariseTrial(t, state)),
      excluded,
      leaderboard: ranked.map((t) => t.config.id),
      winner: winner ? { ...summariseTrial(winner, state), finalTraining } : null,
      state,
    };
  };
  // Writes are chained in order; a failed write does not stop later ones, and the awaited saves
  // (after the search and after the winner's training) report it.
  let writing: Promise<void> = Promise.resolve();
  const save = () => {
    const text = `${JSON.stringify(document(), null, 2)}\n`;
    const done = writing.then(() => writeAtomic(searchPath, text));
    writing = done.catch(() => undefined);
    return done.catch((e: unknown) => {
      throw new CliError(`Could not write ${searchPath}: ${e instanceof Error ? e.message : String(e)}`);
    });
  };

  let interrupted = 0;
  let controller: SearchController | null = null;
  let remotes: RemoteExecutor[] = [];
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    progress.line('Interrupted: finishing the current epoch, then writing search.json (Ctrl-C again to quit at once).');
    controller?.cancel();
    for (const r of remotes) r.stop();
  };
  process.on('SIGINT', onSigint);

  // The status line: the trials in flight, the time searched, and what is left in all.
  const inFlight = new Map<TrialRecord, number>();
  let lastChange = performance.now();
  const showStatus = (imagesPerSecond?: number) => {
    if (imagesPerSecond && imagesPerSecond > 0 && !state.trials.some((t) => t.epochs.length))
      secondsPerImage = 1 / imagesPerSecond;
    const drift = (performance.now() - lastChange) / 1000;
    const searched = state.elapsedSeconds + drift;
    const left =
      secondsPerImage === null && !state.trials.some((t) => t.epochs.length)
        ? null
        : Math.max(0, searchClock(state, work, secondsPerImage ?? 0).remainingSeconds - drift);
    const now = [...inFlight].map(
      ([t, started]) =>
        `${nameOf(t)} · epoch ${t.epochs.length + 1} · ${formatDuration((performance.now() - started) / 1000)}`,
    );
    progress.status(
      `  ${now.join(' | ')} · search ${formatDuration(searched)}${left === null ? '' : ` · about ${formatDuration(left)} left in all`}`,
    );
  };
  const stopSearch = () => interrupted > 0;
  let executors: TrialExecutor[];
  if (workers > 1) {
    const onBatch = (n: BatchNote) => showStatus(n.imagesPerSecond);
    remotes = Array.from({ length: workers }, () => forkTrialWorker(env, argv, onBatch));
    executors = remotes;
  } else {
    executors = [
      search.executor({ shouldStop: () => (showStatus(), stopSearch()), onBatch: (ips) => showStatus(ips) }),
    ];
  }

  const seen = new Map<TrialRecord, { epochs: number; status: string }>();
  // Resumed: the trials kept count as started.
  let started = state.trials.filter((t) => t.status !== 'pending').length;
  controller = new SearchController(state, executors, {
    onChange: (s) => {
      lastChange = performance.now();
      for (const t of s.trials) {
        const before = seen.get(t) ?? { epochs: 0, status: 'pending' };
        if (t.status === 'running' && before.status !== 'running') {
          started++;
          inFlight.set(t, performance.now());
          progress.line(`trial ${started}/${s.trials.length} ${nameOf(t)} (${t.config.id})`);
        }
        for (let e = before.epochs; e < t.epochs.length; e++) {
          const ep = t.epochs[e];
          if (ep)
            progress.line(
              `  ${nameOf(t)} epoch ${ep.epoch}: train acc ${percent(ep.trainAcc)} · val acc ${percent(ep.valAcc)} · ${formatDuration(ep.seconds)}`,
            );
        }
        if (t.status !== before.status && t.status !== 'running' && t.status !== 'pending') {
          progress.line(`  ${nameOf(t)} → ${trialEnding(t)}`);
          inFlight.delete(t);
        }
        if (t.status === 'pending') inFlight.delete(t);
        seen.set(t, { epochs: t.epochs.length, status: t.status });
      }
      // A failed write here is reported by the next awaited save.
      save().catch(() => undefined);
    },
  });
  try {
    showStatus();
    await controller.run();
    for (const r of remotes) r.dispose();
    remotes = [];
    await save();
    const winner = bestTrial(state.trials);
    const shown = shownPath(env, searchPath);
    progress.line(
      `Search ${state.status} in ${formatDuration(state.elapsedSeconds)}: ${state.trials.filter((t) => t.epochs.length).length} trials trained; wrote ${shown}.`,
    );
    if (!winner)
      throw new CliError(
        'No trial finished an epoch, so there is no winner.',
        state.trials
          .filter((t) => t.error)
          .slice(0, 5)
          .map((t) => `${t.config.id}: ${t.error}`),
      );
    const last = winner.epochs[winner.epochs.length - 1];
    progress.line(
      `Winner: ${nameOf(winner)} (${winner.config.id}; validation ${percent(last?.valAcc)} after ${winner.epochs.length} epoch${winner.epochs.length === 1 ? '' : 's'}).`,
    );
    if (interrupted) {
      progress.line(`Continue it with the same command and --resume ${shownPath(env, out)}: the trials that ended are kept.`);
      env.stdout.write(`interrupted · best so far ${winner.config.id} · ${shown}\n`);
      return 130;
    }

    // The winner, trained in full (all the selected training images) and reported on the test split.
    const design: VPDesign = { ...trialDesign(baseDesign, winner), epochs: finalEpochs };
    const m = models.get(winner.config.modelId) as ResolvedModel;
    progress.line(
      `Training the winner for ${finalEpochs} epoch${finalEpochs === 1 ? '' : 's'} on ${selection.trainImages} images (its own line shows what is left)…`,
    );
    const source = await sourceModel(m.id);
    const output = await prepareOutput(out, env);
    const zeroShot = m.buildSourceFor ? await clipZeroShot(source, data.dataset, selection, design, progress) : null;
    const result = await trainOne({
      env,
      progress,
      model: m,
      source,
      data,
      selection,
      design,
      baseline: !o['no-baseline'],
      backend,
      output,
      textEncoder,
      checkpointRun: {
        data: data.train.location,
        testData: data.testData?.location ?? null,
        model: m.id,
        selection: { ...selection },
        fit: (o.fit as string | undefined) ?? 'crop',
      },
      config: {
        command: 'search',
        winner: winner.config.id,
        model: m.id,
        modelId: m.id,
        dataPath: data.train.location,
        testDataPath: data.testData?.location ?? null,
        fit: o.fit ?? 'crop',
      },
      extra: {
        search: {
          file: 'search.json',
          winner: winner.config.id,
          validationAccuracyInSearch: last?.valAcc ?? null,
          trials: state.trials.length,
        },
      },
    }).catch(async (e: unknown) => {
      await output.discard(false);
      throw e;
    });
    if (zeroShot) await recordZeroShot(result.metricsPath, zeroShot);
    finalTraining = {
      epochs: finalEpochs,
      testAccuracy: result.testAccuracy,
      validationAccuracy: result.validationAccuracy,
      ...(zeroShot ? { zeroShot } : {}),
      metrics: 'metrics.json',
      prompt: 'prompt.safetensors',
    };
    await save();
    env.stdout.write(
      `winner ${winner.config.id} · test accuracy ${result.testAccuracy === null ? '–' : result.testAccuracy.toFixed(4)} (${percent(result.testAccuracy)})` +
        `${zeroShot ? ` · zero-shot (${zeroShot.split}) ${zeroShot.accuracy.toFixed(4)}` : ''} · ${shownPath(env, searchPath)}\n`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    for (const r of remotes) r.dispose();
    holder.release();
  }
}
