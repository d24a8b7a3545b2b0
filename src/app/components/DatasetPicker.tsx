import { useState } from 'react';
import { bytes } from '../format';
import { BUILTIN_DATASETS, isBusy, useApp } from '../store';

/** Built-in and imported datasets as one radio group; imported ones can be deleted. */
export function DatasetPicker() {
  const datasetId = useApp((s) => s.datasetId);
  const imported = useApp((s) => s.imported);
  const importedError = useApp((s) => s.importedError);
  const selectDataset = useApp((s) => s.selectDataset);
  const deleteDataset = useApp((s) => s.deleteDataset);
  const busy = useApp((s) => isBusy(s.run));
  const [confirming, setConfirming] = useState<string | null>(null);
  const pending = imported?.find((d) => d.id === confirming);
  return (
    <fieldset className="picker" disabled={busy} data-testid="dataset-picker">
      <legend>Dataset</legend>
      <ul className="picker-list">
        {BUILTIN_DATASETS.map((d) => (
          <li key={d.id} className="picker-row">
            <label>
              <input type="radio" name="dataset" value={d.id} checked={datasetId === d.id} onChange={() => void selectDataset(d.id)} />
              <span className="picker-name">{d.name}</span>
              <span className="tag">built-in</span>
            </label>
          </li>
        ))}
        {imported?.map((d) => (
          <li key={d.id} className="picker-row" data-testid="imported-dataset">
            <label title={`${d.name}: imported ${new Date(d.createdAt).toLocaleString()}`}>
              <input type="radio" name="dataset" value={d.id} checked={datasetId === d.id} onChange={() => void selectDataset(d.id)} />
              <bdi className="picker-name">{d.name}</bdi>
              <span className="picker-facts">
                {d.classes.length} classes · {(d.trainCount + d.testCount).toLocaleString()} images · {bytes(d.bytes)}
              </span>
            </label>
            <button type="button" className="link-button" aria-label={`Delete ${d.name}`} onClick={() => setConfirming(d.id)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      {imported && imported.length === 0 && <p className="hint">Datasets you import are kept in this browser and listed here.</p>}
      {importedError && <p className="error" role="alert">{importedError}</p>}
      {pending && (
        <div className="confirm" role="alertdialog" aria-label="Confirm deletion">
          <span>
            Delete <bdi>“{pending.name}”</bdi> and free its {bytes(pending.bytes)} in this browser? Your original files are not touched.
          </span>
          <span className="confirm-buttons">
            <button
              type="button"
              className="danger small"
              onClick={() => {
                setConfirming(null);
                void deleteDataset(pending.id);
              }}
            >
              Delete dataset
            </button>
            <button type="button" className="secondary small" onClick={() => setConfirming(null)}>
              Keep
            </button>
          </span>
        </div>
      )}
    </fieldset>
  );
}
