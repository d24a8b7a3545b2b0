/**
 * `autovp search`: the engine's AutoVP search (space.ts, ASHA, SearchController,
 * createTrialExecutor) on the command line, then the winner trained in full with `trainOne`.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { VPDesign } from '../core/design/design';
import { sourceClassCount } from '../engine/models/classNames';
import { SourceModelHolder } from '../engine/models/modelHolder';
import { prepareSemanticMapping, setSemanticAssignment } from '../engine/mapping/semantic';
import { type AshaOptions, DEFAULT_ASHA } from '../core/search/asha';
import { createSearch, SearchController } from '../core/search/searchController';
import { bestTrial, leaderboard, type SearchState, type TrialRecord } from '../core/search/searchState';
import {
  autovpSpace,
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
import { folderModelOptions } from './train';

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

/** The search space from the options (AutoVP's, narrowed). */
function spaceFromOptions(o: ParsedOptions, modelIds: string[]): SearchSpace {
  const space = autovpSpace(modelIds);
  const mappings = o.mappings as MappingFamily[] | undefined;
  const scales = values(o.scales as string[] | undefined, 'scales', 'inputScale');
  const ks = values(o.ks as string[] | undefined, 'ks', 'k');
  const resize = (o.resize as string | undefined) ?? 'both';
  return {
    ...space,
    ...(mappings ? { mappings: [...new Set(mappings)] } : {}),
    ...(scales ? { scales: [...new Set(scales)] } : {}),
    ...(ks ? { ks: [...new Set(ks)] } : {}),
    trainableResize: resize === 'both' ? [false, true] : [resize === 'trainable'],
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

export async function runSearch(o: ParsedOptions, env: CliEnv): Promise<number> {
  const progress = new Progress(env.stderr, { quiet: Boolean(o.quiet) });
  const out = resolve(env.cwd, o.out as string);
  const seed = (o.seed as number | undefined) ?? 7;
  const maxEpochs = (o['max-epochs'] as number | undefined) ?? DEFAULT_ASHA.maxEpochs;
  const asha: AshaOptions = {
    maxEpochs,
    gracePeriod: Math.min((o.grace as number | undefined) ?? DEFAULT_ASHA.gracePeriod, maxEpochs),
    reductionFactor: (o.reduction as number | undefined) ?? DEFAULT_ASHA.reductionFactor,
  };
  const backend = await initBackend((o.backend as CliBackend | undefined) ?? 'wasm', env);
  progress.line(`autovp search · backend ${describeBackend(backend)}`);

  // Models: resolved once, by id (a folder of a built-in model gets the built-in id).
  const models = new Map<string, ResolvedModel>();
  for (const spec of o.model as string[]) {
    const m = await resolveModel(spec, env, folderModelOptions(o));
    for (const n of m.notes) progress.line(n);
    if (!models.has(m.id)) models.set(m.id, m);
  }
  const data = await loadRunData(o, env, progress);
  const d = data.dataset;
  const classes = d.meta.classes;
  const selection = dataSelection(o, d);
  const baseDesign: VPDesign = { ...designFromOptions(o), epochs: maxEpochs };
  const splits = selectSplits(d, selection, seed);
  if (splits.train.indices.length === 0)
    throw new CliError('No training images are left after holding out validation and test images.');

  // The space, and what cannot run in it.
  const names = new Map<string, string[] | null>();
  for (const [id, m] of models) names.set(id, await m.classNames().catch(() => null));
  const infos: SearchModelInfo[] = [...models.values()].map((m) => ({
    id: m.id,
    numSource: sourceClassCount(m.manifest),
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
  const budgetMinutes = o['budget-minutes'] as number | undefined;
  const tune = Boolean(o.tune);
  const state = createSearch({
    id: `cli-search-${Date.now().toString(36)}`,
    seed,
    space,
    trials,
    asha,
    budgetSeconds: budgetMinutes !== undefined ? budgetMinutes * 60 : null,
    tuning: tune
      ? tuningGrid([...models.values()].every((m) => m.manifest.textImage === true))
      : { learningRates: [], weightDecays: [] },
  });
  progress.line(
    `Searching ${trials.length} of ${total} configurations${excluded.length ? ` (${excluded.length} excluded)` : ''} · ASHA max ${asha.maxEpochs} epochs, grace ${asha.gracePeriod}, η ${asha.reductionFactor}` +
      `${budgetMinutes !== undefined ? ` · budget ${budgetMinutes} min` : ''}${tune ? ' · then learning rate × weight decay for the winner' : ''}`,
  );
  progress.line(
    `Splits: ${splits.train.indices.length} train, ${splits.val.indices.length} validation images (trials are ranked on validation).`,
  );

  await mkdir(out, { recursive: true });
  const searchPath = join(out, 'search.json');
  const config = {
    command: 'search',
    models: [...models.keys()],
    modelSpecs: o.model,
    dataPath: data.train.location,
    testDataPath: data.testData?.location ?? null,
    seed,
    maxTrials: maxTrials ?? null,
    budgetMinutes: budgetMinutes ?? null,
    tune,
    baseDesign,
    data: selection,
    backend: backend.name,
  };
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

  // Source models: one in memory at a time (trials are grouped by model).
  const holder = new SourceModelHolder();
  const sourceModel = (id: string) => {
    const m = models.get(id);
    if (!m) throw new Error(`unknown model ${id}`);
    return holder.get(
      id,
      () => m.artifacts(progress),
      (a) => buildSource(m, a),
    );
  };
  let interrupted = 0;
  let controller: SearchController | null = null;
  const onSigint = () => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    progress.line('Interrupted: finishing the current epoch, then writing search.json (Ctrl-C again to quit at once).');
    controller?.cancel();
  };
  process.on('SIGINT', onSigint);

  let current: { trial: TrialRecord; started: number } | null = null;
  const seen = new Map<TrialRecord, { epochs: number; status: string }>();
  let started = 0;
  const executor = createTrialExecutor({
    splits,
    numTarget: classes.length,
    baseDesign,
    plannedEpochs: asha.maxEpochs,
    sourceModel,
    prepare: async (model, trial) => {
      if (model.design.labelMapping !== 'semantic') return;
      const m = models.get(trial.config.modelId) as ResolvedModel;
      const semantic = await prepareSemanticMapping({
        sourceNames: names.get(m.id) ?? [],
        targetNames: classes,
        k: model.design.k,
        numSource: model.source.numSource,
        fetchBytes: publicBytes(env),
        modelName: m.manifest.name,
        textImage: m.manifest.textImage,
      });
      setSemanticAssignment(model.mapping, semantic.assignment);
    },
    shouldStop: () => {
      if (current) {
        const t = current.trial;
        progress.status(
          `  ${t.config.id} · epoch ${t.epochs.length + 1} · ${formatDuration((performance.now() - current.started) / 1000)} · search ${formatDuration(state.elapsedSeconds)}`,
        );
      }
      return interrupted > 0;
    },
  });
  controller = new SearchController(state, [executor], {
    onChange: (s) => {
      for (const t of s.trials) {
        const before = seen.get(t) ?? { epochs: 0, status: 'pending' };
        if (t.status === 'running' && before.status !== 'running') {
          started++;
          current = { trial: t, started: performance.now() };
          progress.line(
            `trial ${started}/${s.trials.length} ${t.config.id}${t.learningRate !== undefined ? ` (lr ${t.learningRate}, wd ${t.weightDecay})` : ''}`,
          );
        }
        for (let e = before.epochs; e < t.epochs.length; e++) {
          const ep = t.epochs[e];
          if (ep)
            progress.line(
              `  epoch ${ep.epoch}: train acc ${percent(ep.trainAcc)} · val acc ${percent(ep.valAcc)} · ${formatDuration(ep.seconds)}`,
            );
        }
        if (t.status !== before.status && t.status !== 'running' && t.status !== 'pending') {
          const how =
            t.status === 'completed'
              ? 'completed'
              : t.status === 'failed'
                ? `failed: ${t.error}`
                : `stopped by ASHA after ${t.epochs.length} epoch${t.epochs.length === 1 ? '' : 's'}`;
          progress.line(`  → ${how}`);
          if (current?.trial === t) current = null;
        }
        seen.set(t, { epochs: t.epochs.length, status: t.status });
      }
      // A failed write here is reported by the next awaited save.
      save().catch(() => undefined);
    },
  });
  try {
    await controller.run();
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
      `Winner: ${winner.config.id} (validation ${percent(last?.valAcc)} after ${winner.epochs.length} epoch${winner.epochs.length === 1 ? '' : 's'}).`,
    );
    if (interrupted) {
      env.stdout.write(`interrupted · best so far ${winner.config.id} · ${shown}\n`);
      return 130;
    }

    // The winner, trained in full and reported on the test split.
    const finalEpochs = (o['final-epochs'] as number | undefined) ?? asha.maxEpochs;
    const design: VPDesign = { ...trialDesign(baseDesign, winner), epochs: finalEpochs };
    const m = models.get(winner.config.modelId) as ResolvedModel;
    progress.line(`Training the winner for ${finalEpochs} epoch${finalEpochs === 1 ? '' : 's'}…`);
    const source = await sourceModel(m.id);
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
      out,
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
    });
    finalTraining = {
      epochs: finalEpochs,
      testAccuracy: result.testAccuracy,
      validationAccuracy: result.validationAccuracy,
      metrics: 'metrics.json',
      prompt: 'prompt.safetensors',
    };
    await save();
    env.stdout.write(
      `winner ${winner.config.id} · test accuracy ${result.testAccuracy === null ? '–' : result.testAccuracy.toFixed(4)} (${percent(result.testAccuracy)}) · ${shownPath(env, searchPath)}\n`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    holder.release();
  }
}
