import { useMemo } from 'react';
import type { SearchRecord } from '../../../core/search/records';
import type { TrialRecord } from '../../../worker/api/searchApi';
import { bestTrial, leaderboard } from '../../../core/search/searchState';
import { lastEpoch, trialParts, trialSeconds } from '../../../core/search/searchReport';
import { duration, percent } from '../../format';
import { useApp } from '../../store';

function statusWords(t: TrialRecord, maxEpochs: number, live: boolean): string {
  switch (t.status) {
    case 'pending':
      return 'waiting';
    case 'running':
      // Saved while it trained: a resumed search starts it again.
      return live ? `training epoch ${t.epochs.length + 1}` : 'interrupted: restarts on resume';
    case 'completed':
      return `ran all ${maxEpochs}`;
    case 'stopped':
      return t.stoppedBy === 'budget'
        ? `budget ended it after ${t.epochs.length}`
        : t.stoppedBy === 'cancel'
          ? `cancelled after ${t.epochs.length}`
          : `stopped after ${t.epochs.length}`;
    case 'failed':
      return 'failed';
  }
}

/** Every trial, best first (last validation accuracy, then epochs), updating as rungs complete. */
export function Leaderboard({ record }: { record: SearchRecord }) {
  const rows = useMemo(() => leaderboard(record.state.trials), [record]);
  const winner = useMemo(() => bestTrial(record.state.trials), [record]);
  const phases = useApp((s) => s.searchLive.phases);
  const live = useApp((s) => s.searchActivity === 'running' || s.searchActivity === 'starting');
  const max = record.state.asha.maxEpochs;
  const milestones = record.state.schedulers[1].milestones;
  let rank = 0;
  return (
    <section className="card" aria-labelledby="leaderboard-title">
      <h2 id="leaderboard-title">Leaderboard</h2>
      <p className="hint">
        Ranked by validation accuracy at each trial’s last epoch. Rungs after epoch {milestones.join(', ') || '–'}; at
        most {max} epochs.
      </p>
      <div className="table-scroll">
        <table className="results-table leaderboard" data-testid="leaderboard">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Configuration</th>
              <th scope="col">Epochs</th>
              <th scope="col">Validation accuracy</th>
              <th scope="col">Status</th>
              <th scope="col">Time</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => {
              const last = lastEpoch(t);
              const p = trialParts(t, record.setup, record.learntScales[t.config.id]);
              const ranked = last && t.status !== 'failed';
              if (ranked) rank++;
              const phase = live && t.status === 'running' ? phases[t.config.id] : undefined;
              return (
                <tr
                  key={t.config.id}
                  className={`trial-${t.status}${t === winner ? ' winner' : ''}`}
                  data-testid="leaderboard-row"
                  data-trial={t.config.id}
                  data-status={t.status}
                  data-val-acc={last?.valAcc ?? ''}
                >
                  <td>{ranked ? rank : ''}</td>
                  <td>
                    <span className="config-main">
                      {p.mapping} · {p.image} · {p.resize}
                    </span>
                    <span className="config-sub muted">
                      {p.model}
                      {p.optimiser ? ` · ${p.optimiser}` : ''}
                      {t.stage === 2 ? ' · stage 2' : ''}
                    </span>
                  </td>
                  <td>
                    {t.epochs.length} / {max}
                  </td>
                  <td className="acc">
                    {ranked ? <strong>{percent(last.valAcc)}</strong> : <span className="muted">–</span>}
                  </td>
                  <td>
                    <span className={`tag status-${t.status}`} title={t.error}>
                      {statusWords(t, max, live)}
                      {phase && phase !== 'training' ? ` (${phase.replace('-', ' ')})` : ''}
                    </span>
                    {t.error && <span className="error trial-error">{t.error}</span>}
                  </td>
                  <td>{t.epochs.length ? duration(trialSeconds(t)) : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
