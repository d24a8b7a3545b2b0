import type { SearchRecord } from '../../../core/search/records';
import { bestTrial } from '../../../core/search/searchState';
import { explainSearch } from '../../../core/search/searchReport';
import { duration, percent } from '../../format';
import { isBusy, useApp } from '../../store';
import { ResultsTable } from '../ResultsTable';

function FinalComparison({ record, onShowRun }: { record: SearchRecord; onShowRun: () => void }) {
  const final = record.final;
  const download = useApp((s) => s.downloadRun);
  const downloading = useApp((s) => s.downloading);
  if (!final) return null;
  const acc = (x: number | null, testId?: string) =>
    x === null ? (
      <td className="muted">–</td>
    ) : (
      <td data-testid={testId}>
        <strong>{percent(x)}</strong>
      </td>
    );
  return (
    <>
      <ResultsTable
        testId="search-final"
        caption={
          <>
            The winner trained for {final.epochs} epoch{final.epochs === 1 ? '' : 's'} in {duration(final.seconds)};
            linear probing on the same images. {final.valCount} validation and {final.testCount} test images.
          </>
        }
      >
        <tr>
          <th scope="row">Visual prompt (search winner)</th>
          <td>{final.vp.parameters.toLocaleString()}</td>
          {acc(final.vp.validation, 'final-vp-val')}
          {acc(final.vp.test, 'final-vp-test')}
        </tr>
        {final.lp && (
          <tr>
            <th scope="row">Linear probing</th>
            <td>{final.lp.parameters.toLocaleString()}</td>
            {acc(final.lp.validation, 'final-lp-val')}
            {acc(final.lp.test, 'final-lp-test')}
          </tr>
        )}
      </ResultsTable>
      {final.runId && (
        <div className="search-downloads">
          <button
            type="button"
            className="secondary small"
            onClick={() => void download(final.runId as string, 'safetensors')}
            disabled={downloading?.runId === final.runId}
            data-testid="search-download-prompt"
          >
            Download the winner’s prompt (.safetensors)
          </button>
          <button type="button" className="link-button" onClick={onShowRun}>
            See its run in Saved prompts
          </button>
        </div>
      )}
    </>
  );
}

/** The winner explained, compared with linear probing once trained, and the downloads. */
export function SearchResults({ record, onShowRun }: { record: SearchRecord; onShowRun: () => void }) {
  const activity = useApp((s) => s.searchActivity);
  const runBusy = useApp((s) => isBusy(s.run));
  const trainWinner = useApp((s) => s.trainSearchWinner);
  const downloadSearch = useApp((s) => s.downloadSearch);
  const winner = bestTrial(record.state.trials);
  const explanation = explainSearch(record);
  const status = record.state.status;
  const searching = activity === 'running' || activity === 'starting';
  const canTrain = winner && !runBusy && activity !== 'training-winner' && !searching;
  return (
    <section className="card search-results" aria-labelledby="search-results-title" data-testid="search-results">
      <h2 id="search-results-title">{status === 'finished' ? 'The winning design' : 'The best design so far'}</h2>
      {explanation.length === 0 ? (
        <p className="muted">No trial has finished an epoch yet.</p>
      ) : (
        <div className="explanation" data-testid="search-explanation">
          {explanation.map((p, i) => (
            <p key={i}>{p}</p>
          ))}
        </div>
      )}
      <FinalComparison record={record} onShowRun={onShowRun} />
      <div className="search-downloads">
        {winner && !record.final && !searching && (
          <button
            type="button"
            className="primary"
            onClick={() => void trainWinner()}
            disabled={!canTrain}
            data-testid="search-train-winner"
          >
            {activity === 'training-winner'
              ? 'Training the winner…'
              : `Train the winner now (${record.setup.finalEpochs} epoch${record.setup.finalEpochs === 1 ? '' : 's'})`}
          </button>
        )}
        {winner && record.final && !searching && (
          <button
            type="button"
            className="secondary small"
            onClick={() => void trainWinner()}
            disabled={!canTrain}
            data-testid="search-train-winner"
          >
            Train the winner again
          </button>
        )}
        <button
          type="button"
          className="secondary small"
          onClick={() => downloadSearch('csv')}
          data-testid="search-download-csv"
        >
          Leaderboard (.csv)
        </button>
        <button
          type="button"
          className="secondary small"
          onClick={() => downloadSearch('json')}
          data-testid="search-download-json"
        >
          Whole search (.json)
        </button>
        <button
          type="button"
          className="secondary small"
          onClick={() => downloadSearch('ray')}
          data-testid="search-download-ray"
        >
          Ray Tune job (.py)
        </button>
      </div>
      <small className="hint">
        The Ray Tune job runs the same search on a cluster with IBM/AutoVP’s code and Ray Tune’s ASHA scheduler; the
        script says how to install both and which reference models stand in for the browser’s.
      </small>
    </section>
  );
}
