/**
 * A search in words and files: each configuration described, the winner explained honestly
 * (what it beat, by how much, what the budget cut), the leaderboard as CSV and the whole record as
 * JSON. Pure functions on plain data; the page calls them directly.
 */
import { isOneToOne, mappingName } from '../design/kinds';
import { bestTrial, leaderboard } from './searchState';
import type { StopReason, TrialRecord } from './searchState';
import type { ExcludedConfig } from './space';
import type { SearchRecord, SearchSetup } from './records';

type Design = TrialRecord['config']['design'];

/** "FullyMap", "FreqMap k=5", "IterMap k=5 (every epoch)". */
export function mappingWords(d: Design): string {
  if (!isOneToOne(d.labelMapping)) return mappingName(d.labelMapping);
  const every = d.interval === 1 ? 'every epoch' : `every ${d.interval} epochs`;
  return `${mappingName(d.labelMapping)} k=${d.k}${d.labelMapping === 'iter' ? ` (${every})` : ''}`;
}

/** Side of the scaled image in pixels: round(base · s), capped at the model's canvas. */
const imageSide = (baseSize: number, scale: number, canvas: number) => Math.min(Math.round(baseSize * scale), canvas);

const times = (x: number) => `×${Number(x.toFixed(2))}`;

/** The parts of a configuration in words, for tables and sentences. */
export function trialParts(t: TrialRecord, setup: SearchSetup, learntScale?: number) {
  const d = t.config.design;
  const model = setup.models[t.config.modelId];
  const px = imageSide(setup.baseDesign.baseSize, d.inputScale, model?.inputSize ?? 224);
  return {
    model: model?.name ?? t.config.modelId,
    mapping: mappingWords(d),
    image: `${px}-px image (scale ${times(d.inputScale)})`,
    resize: d.trainableResize
      ? `trainable resize${learntScale !== undefined ? ` (learnt ${times(learntScale)})` : ''}`
      : 'fixed size',
    optimiser: t.stage === 2 ? `learning rate ${t.learningRate}, weight decay ${t.weightDecay}` : null,
  };
}

/** "FullyMap on a 128-px image (scale ×1) with a trainable resize (learnt ×1.12)". */
export function designSentence(t: TrialRecord, setup: SearchSetup, learntScale?: number): string {
  const p = trialParts(t, setup, learntScale);
  const resize = t.config.design.trainableResize ? ` with a ${p.resize}` : ', fixed size';
  return `${p.mapping} on a ${p.image}${resize}${p.optimiser ? `, ${p.optimiser}` : ''}`;
}

export const lastEpoch = (t: TrialRecord) => t.epochs[t.epochs.length - 1];
export const trialSeconds = (t: TrialRecord) => t.epochs.reduce((s, e) => s + e.seconds, 0);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const points = (x: number) => {
  const p = Number(Math.abs(x * 100).toFixed(1));
  return `${p} point${p === 1 ? '' : 's'}`;
};
/** Metrics in files: 6 decimals (no float noise like 0.7100000000000001). */
const num = (x: number | undefined) => (x === undefined ? '' : Number(x.toFixed(6)));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What set the excluded configurations apart, counted by kind. */
export function excludedSummary(
  excluded: readonly ExcludedConfig[],
): { kind: string; count: number; example: string }[] {
  const groups = new Map<string, { kind: string; count: number; example: string }>();
  for (const e of excluded) {
    const kind = /one-to-one label mapping/.test(e.reason)
      ? 'need more source labels than the model has (one-to-one mapping)'
      : /SemanticMap/.test(e.reason)
        ? 'SemanticMap with a text-image model'
        : e.reason;
    const g = groups.get(kind) ?? { kind, count: 0, example: e.reason };
    g.count++;
    groups.set(kind, g);
  }
  return [...groups.values()];
}

/** "12 trials, 108 excluded: 108 need more source labels than the model has (one-to-one mapping)." */
export function trialCountText(trials: number, excluded: readonly ExcludedConfig[]): string {
  const head = `${plural(trials, 'trial')}`;
  if (excluded.length === 0) return `${head}.`;
  const why = excludedSummary(excluded)
    .map((g) => `${g.count} ${g.kind}`)
    .join('; ');
  return `${head}, ${excluded.length} excluded: ${why}.`;
}

/** Why the stopped trials stopped, each reason counted (", 3 were stopped by ASHA …, 1 by the time budget"). */
function stoppedWords(trials: TrialRecord[]): string {
  const stopped = trials.filter((t) => t.status === 'stopped');
  const count = (by: StopReason | undefined) => stopped.filter((t) => t.stoppedBy === by).length;
  const parts = [
    [count('asha'), 'by ASHA at a rung for falling below the others recorded there'],
    [count('budget'), 'by the time budget'],
    [count('cancel'), 'when the search was stopped'],
    [count(undefined), 'early'],
  ] as const;
  return parts
    .filter(([n]) => n > 0)
    .map(([n, why]) => `, ${n} ${n === 1 ? 'was' : 'were'} stopped ${why}`)
    .join('');
}

/** The winner in plain words, with what limits the claim. Empty before any trial has an epoch. */
export function explainSearch(record: SearchRecord): string[] {
  const { state, setup } = record;
  const winner = bestTrial(state.trials);
  if (!winner) return [];
  const w = lastEpoch(winner) as NonNullable<ReturnType<typeof lastEpoch>>;
  const ranked = leaderboard(state.trials).filter((t) => t.epochs.length > 0 && t.status !== 'failed');
  // The runner-up is the best other design (not the winner's own stage-2 variants).
  const designKey = (t: TrialRecord) => JSON.stringify([t.config.modelId, t.config.design]);
  const runnerUp = ranked.find((t) => t.stage === 1 && designKey(t) !== designKey(winner));
  const models = Object.keys(setup.models);
  const among = models.length > 1 ? `, among ${models.length} models,` : '';
  const out: string[] = [];

  let first =
    `The best design for ${setup.datasetName}${among} was ${trialParts(winner, setup).model}: ` +
    `${designSentence(winner, setup, record.learntScales[winner.config.id])}. ` +
    `It reached ${pct(w.valAcc)} validation accuracy after ${plural(winner.epochs.length, 'epoch')}`;
  if (runnerUp) {
    const r = lastEpoch(runnerUp) as NonNullable<ReturnType<typeof lastEpoch>>;
    const gap = w.valAcc - r.valAcc;
    const sameModel = runnerUp.config.modelId === winner.config.modelId;
    const who = `${sameModel ? '' : `${trialParts(runnerUp, setup).model}, `}${designSentence(runnerUp, setup, record.learntScales[runnerUp.config.id])}`;
    first +=
      gap > 0
        ? `, ${points(gap)} above the runner-up (${who}: ${pct(r.valAcc)} after ${plural(runnerUp.epochs.length, 'epoch')}).`
        : `, level with the runner-up (${who}: ${pct(r.valAcc)} after ${plural(runnerUp.epochs.length, 'epoch')}); it ranks first for having trained longer or earlier in the order.`;
  } else {
    first += '; no other configuration finished an epoch to compare with.';
  }
  out.push(first);
  const chance = 1 / Math.max(1, setup.classes.length);
  if (w.valAcc <= chance * 1.5) {
    out.push(
      `That is close to chance (${pct(chance)} for ${setup.classes.length} classes): this search is too small to tell the designs apart. ` +
        'Give the trials more training images or more epochs.',
    );
  }

  const stage1 = state.trials.filter((t) => t.stage === 1);
  const ran = stage1.filter((t) => t.epochs.length > 0);
  const completed = stage1.filter((t) => t.status === 'completed').length;
  const failed = stage1.filter((t) => t.status === 'failed').length;
  const pending = stage1.filter((t) => t.status === 'pending' || t.status === 'running').length;
  out.push(
    `ASHA (grace period ${state.asha.gracePeriod}, reduction factor ${state.asha.reductionFactor}, at most ${plural(state.asha.maxEpochs, 'epoch')}) ` +
      `trained ${ran.length} of ${stage1.length} configurations: ${completed} ran to the maximum` +
      stoppedWords(stage1) +
      `${failed ? `, ${failed} failed` : ''}.` +
      (record.excluded.length
        ? ` ${plural(record.excluded.length, 'other configuration')} of the space could not run: ` +
          `${excludedSummary(record.excluded)
            .map((g) => `${g.count} ${g.kind}`)
            .join('; ')}.`
        : ''),
  );
  const stage2 = state.trials.filter((t) => t.stage === 2);
  if (stage2.length) {
    const best2 = bestTrial(state.trials, 2);
    out.push(
      `A second stage tried the stage-1 winner with ${stage2.length} learning-rate × weight-decay settings` +
        (best2
          ? `; the best was learning rate ${best2.learningRate}, weight decay ${best2.weightDecay} (${pct(lastEpoch(best2)?.valAcc ?? 0)}).`
          : '.'),
    );
  }
  if (state.status === 'out-of-time') {
    out.push(
      `The time budget (${Math.round((state.budgetSeconds ?? 0) / 60)} min) ended the search: ` +
        `${plural(pending, 'configuration')} never started, so this is the best of what ran, not of the whole space.`,
    );
  } else if (state.status === 'cancelled') {
    out.push(
      `The search was cancelled: ${plural(pending, 'configuration')} never started, so this is the best of what ran.`,
    );
  } else if (state.status !== 'finished') {
    out.push(
      `The search is not finished${state.status === 'paused' ? ' (paused)' : ''}: the ranking can still change.`,
    );
  }
  const n = setup.data.valImages;
  out.push(
    `Trials are ranked on ${plural(n, 'validation image')} held out of the training data (one image is ${Number((100 / n).toFixed(2))} points, ` +
      `so differences of a few points can be chance); the test images are used once, by the winner's final training.`,
  );
  if (record.final) {
    const f = record.final;
    const vp = f.vp.test ?? f.vp.validation;
    const lp = f.lp ? (f.vp.test !== null ? f.lp.test : f.lp.validation) : null;
    const split =
      f.vp.test !== null
        ? `${plural(f.testCount, 'test image')}`
        : `${plural(f.valCount, 'validation image')} (no test split)`;
    let s = `Trained for ${plural(f.epochs, 'epoch')}, the winner scored ${vp === null ? '–' : pct(vp)} on ${split}`;
    if (vp !== null && lp !== null && lp !== undefined) {
      const d = vp - lp;
      s += `; linear probing on the same images scored ${pct(lp)}, so the visual prompt is ${d === 0 ? 'level with it' : `${points(d)} ${d > 0 ? 'better' : 'worse'}`}`;
      s += ` with ${f.vp.parameters.toLocaleString('en')} trainable parameters against ${f.lp?.parameters.toLocaleString('en')}.`;
    } else {
      s += '.';
    }
    out.push(s);
  }
  return out;
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The leaderboard as CSV: one row per configuration, best first. */
export function searchCsv(record: SearchRecord): string {
  const { setup } = record;
  const header = [
    'rank',
    'trial',
    'stage',
    'model',
    'mapping',
    'k',
    'interval',
    'initial_scale',
    'image_px',
    'trainable_resize',
    'learnt_scale',
    'learning_rate',
    'weight_decay',
    'status',
    'epochs',
    'val_acc',
    'val_loss',
    'train_acc',
    'train_loss',
    'seconds',
    'error',
  ];
  const rows = leaderboard(record.state.trials).map((t, i) => {
    const d = t.config.design;
    const last = lastEpoch(t);
    const model = setup.models[t.config.modelId];
    return [
      i + 1,
      t.config.id,
      t.stage,
      model?.name ?? t.config.modelId,
      d.labelMapping,
      isOneToOne(d.labelMapping) ? d.k : '',
      d.labelMapping === 'iter' ? d.interval : '',
      d.inputScale,
      imageSide(setup.baseDesign.baseSize, d.inputScale, model?.inputSize ?? 224),
      d.trainableResize,
      record.learntScales[t.config.id] ?? '',
      t.learningRate ?? setup.baseDesign.learningRate,
      t.weightDecay ?? setup.baseDesign.weightDecay,
      t.status,
      t.epochs.length,
      num(last?.valAcc),
      num(last?.valLoss),
      num(last?.trainAcc),
      num(last?.trainLoss),
      Number(trialSeconds(t).toFixed(2)),
      t.error ?? '',
    ].map(csvCell);
  });
  return [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}

/** The whole record with the explanation, as JSON. */
export function searchJson(record: SearchRecord): string {
  const winner = bestTrial(record.state.trials);
  return JSON.stringify(
    {
      format: 'autovp-search',
      version: 1,
      ...record,
      winner: winner?.config.id ?? null,
      leaderboard: leaderboard(record.state.trials).map((t) => t.config.id),
      explanation: explainSearch(record),
    },
    null,
    2,
  );
}
