import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { TensorCandidate, UserModelDraft, ValuePreset } from '../../worker/api/modelsApi';
import { bytes } from '../format';
import { isBusy, useApp } from '../store';
import { ProgressBar } from './ProgressBar';

/** The input conventions a user can pick (the worker maps them to ranges and normalisation). */
const VALUE_CHOICES: { id: ValuePreset; label: string; hint: string }[] = [
  { id: 'unit', label: '[0, 1]', hint: 'Pixels divided by 255 (TF-Hub and most tfjs models).' },
  { id: 'symmetric', label: '[-1, 1]', hint: 'Keras MobileNet / Inception preprocessing.' },
  { id: 'bytes', label: '[0, 255]', hint: 'Raw pixel values.' },
  { id: 'imagenet', label: 'ImageNet mean/std', hint: '[0, 1], then (x − mean) / std per channel (torchvision).' },
];

const shape = (t: TensorCandidate) => `[${t.shape.join('×')}]`;

function ReviewForm({ draft, saving, error }: { draft: UserModelDraft; saving: boolean; error: string | null }) {
  const save = useApp((s) => s.saveUserModel);
  const cancel = useApp((s) => s.cancelUserModel);
  const { inspection } = draft;
  const [name, setName] = useState(draft.suggestedName);
  const [sourceOutput, setSourceOutput] = useState(inspection.proposedSource ?? inspection.outputs[0]?.name ?? '');
  const [featureOutput, setFeatureOutput] = useState(inspection.proposedFeature ?? inspection.features[0]?.name ?? '');
  const [values, setValues] = useState<ValuePreset>('unit');
  const source = inspection.outputs.find((o) => o.name === sourceOutput);
  const classNamesFit = draft.classNames && source && draft.classNames.length === source.size;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save({
      name,
      sourceOutput,
      featureOutput,
      values,
      ...(classNamesFit && draft.classNames ? { classNames: draft.classNames } : {}),
    });
  };
  return (
    <form className="user-model-review" onSubmit={submit} aria-label="Review your model">
      <p>
        <strong>{draft.source}</strong>: a {inspection.format} model, {inspection.inputSize}×{inspection.inputSize} RGB
        input, {(inspection.parameterCount / 1e6).toFixed(2)} M weights ({bytes(inspection.weightBytes)}).
      </p>
      {inspection.notes.map((n) => (
        <p key={n} className="warning">
          {n}
        </p>
      ))}
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={80} required />
      </label>
      <label className="field">
        <span>Source output (class scores, before any softmax)</span>
        <select value={sourceOutput} onChange={(e) => setSourceOutput(e.target.value)}>
          {inspection.outputs.map((o) => (
            <option key={o.name} value={o.name}>
              {o.name} {shape(o)}
              {o.name === inspection.proposedSource ? ' (proposed)' : ''}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Features (for the linear-probing baseline)</span>
        <select value={featureOutput} onChange={(e) => setFeatureOutput(e.target.value)}>
          {inspection.features.map((o) => (
            <option key={o.name} value={o.name}>
              {o.name} {shape(o)} = {o.size.toLocaleString()} values
              {o.name === inspection.proposedFeature ? ' (proposed)' : ''}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="user-model-values">
        <legend>Input values the model expects</legend>
        {VALUE_CHOICES.map((v) => (
          <label key={v.id} className="check">
            <input type="radio" name="values" value={v.id} checked={values === v.id} onChange={() => setValues(v.id)} />
            <span>
              {v.label} <span className="hint">{v.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <p className="hint">
        {source ? `${source.size.toLocaleString()} source classes; ` : ''}
        {classNamesFit
          ? `class names from the file beside the model (${draft.classNames?.slice(0, 3).join(', ')}, …).`
          : draft.classNames
            ? `the ${draft.classNames.length} class names found beside the model do not match this output: they will be numbered.`
            : 'no class names found (add a classes.json, labels.txt or metadata.json next to model.json): they will be numbered.'}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="model-actions">
        <button type="submit" className="primary small" disabled={saving || !sourceOutput || !featureOutput}>
          {saving ? 'Checking and saving…' : 'Add this model'}
        </button>
        <button type="button" className="secondary small" onClick={cancel} disabled={saving}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Bring your own TensorFlow.js model: files (or a drop on the page) or a URL. */
export function UserModelAdd() {
  const flow = useApp((s) => s.userModel);
  const addFiles = useApp((s) => s.addUserModelFiles);
  const addUrl = useApp((s) => s.addUserModelUrl);
  const cancel = useApp((s) => s.cancelUserModel);
  const busy = useApp((s) => isBusy(s.run));
  const [url, setUrl] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const details = useRef<HTMLDetailsElement>(null);
  const active = flow.status !== 'idle';
  // A model dropped on the page opens this section; closing it stays the user's choice.
  useEffect(() => {
    if (active && details.current) details.current.open = true;
  }, [active]);
  const p = flow.status === 'inspecting' ? flow.progress : null;
  const fraction = p && p.totalBytes > 0 ? Math.min(1, p.loadedBytes / p.totalBytes) : 0;
  return (
    <details className="user-model" ref={details}>
      <summary>Add your own model (TensorFlow.js model.json + weights)</summary>
      <p className="hint">
        Drop model.json with all its weight files on the page, pick them here, or give the address of a model.json. The
        app checks that it can rebuild the network with input gradients, finds its outputs and asks what it cannot tell.
        Models over 300 MB are refused.
      </p>
      <div className="model-actions">
        <input
          ref={input}
          type="file"
          multiple
          hidden
          aria-label="Model files"
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []).map((file) => ({ path: file.name, file }));
            e.target.value = '';
            if (files.length > 0) void addFiles(files);
          }}
        />
        <button
          type="button"
          className="secondary small"
          disabled={busy || flow.status === 'inspecting'}
          onClick={() => input.current?.click()}
        >
          Choose model files…
        </button>
      </div>
      <form
        className="inline-field user-model-url"
        onSubmit={(e) => {
          e.preventDefault();
          if (url.trim()) void addUrl(url.trim());
        }}
      >
        <label>
          <span>or model.json URL</span>
          <input type="url" value={url} placeholder="https://…/model.json" onChange={(e) => setUrl(e.target.value)} />
        </label>
        <button
          type="submit"
          className="secondary small"
          disabled={busy || flow.status === 'inspecting' || !url.trim()}
        >
          Inspect
        </button>
      </form>
      {flow.status === 'inspecting' && (
        <div className="import-progress" aria-live="polite">
          <div className="import-progress-head">
            <span>
              Reading and inspecting <bdi>{flow.source}</bdi>
              {p ? `: ${bytes(p.loadedBytes)} of ${bytes(p.totalBytes)}` : '…'}
            </span>
          </div>
          {p && <ProgressBar fraction={fraction} label="Model download" />}
        </div>
      )}
      {flow.status === 'refused' && (
        <div className="error-box" role="alert">
          <p>
            <strong>
              <bdi>{flow.source}</bdi> cannot be used.
            </strong>{' '}
            {flow.message}
          </p>
          <button type="button" className="secondary small" onClick={cancel}>
            Dismiss
          </button>
        </div>
      )}
      {flow.status === 'review' && (
        <ReviewForm key={flow.draft.draftId} draft={flow.draft} saving={flow.saving} error={flow.error} />
      )}
    </details>
  );
}
