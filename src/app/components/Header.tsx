import type { BackendChoice, BackendPreference } from '../../worker/api/trainingApi';
import { isBusy, useApp } from '../store';
import { BACKEND_LOCKED, backendAttempts } from './backendText';

const BACKENDS: { id: BackendPreference; label: string }[] = [
  { id: 'auto', label: 'Automatic' },
  { id: 'webgpu', label: 'WebGPU' },
  { id: 'wasm', label: 'WASM' },
  { id: 'webgl', label: 'WebGL' },
  { id: 'cpu', label: 'CPU (plain JS)' },
];

/** Every backend the engine tried, behind a disclosure: "WebGPU – only a software adapter…", "WASM – chosen". */
export function BackendAttempts({ choice }: { choice: BackendChoice }) {
  const attempts = backendAttempts(choice);
  if (attempts.length === 0) return null;
  return (
    <details className="backend-attempts" data-testid="backend-attempts">
      <summary>Backends tried</summary>
      <ol>
        {attempts.map((a, i) => (
          <li key={i} className={a.ok ? 'ok' : 'failed'}>
            <strong>{a.name}</strong> – {a.text}
          </li>
        ))}
      </ol>
    </details>
  );
}

export function Header() {
  const backend = useApp((s) => s.backend);
  const preference = useApp((s) => s.backendPreference);
  const engineError = useApp((s) => s.engineError);
  const setPreference = useApp((s) => s.setBackendPreference);
  const busy = useApp((s) => isBusy(s.run));
  return (
    <header className="header">
      <div>
        <h1>AutoVP Playground</h1>
        <p className="tagline">
          Adapt a frozen pretrained vision model to your images by learning only an input prompt and a label mapping.
        </p>
      </div>
      <div className="backend" aria-live="polite">
        <label htmlFor="backend-select">Compute</label>
        <select
          id="backend-select"
          value={preference}
          disabled={busy}
          title={busy ? BACKEND_LOCKED : undefined}
          aria-describedby={busy ? 'backend-locked backend-reason' : 'backend-reason'}
          onChange={(e) => void setPreference(e.target.value as BackendPreference)}
        >
          {BACKENDS.map((b) => (
            <option key={b.id} value={b.id}>
              {b.label}
            </option>
          ))}
        </select>
        <span className={`badge ${backend ? 'ok' : ''}`} data-testid="backend-name">
          {backend ? backend.name.toUpperCase() : engineError ? 'unavailable' : 'starting…'}
        </span>
        <p className="backend-reason" id="backend-reason" data-testid="backend-reason">
          {engineError ?? backend?.reason ?? 'Starting the compute engine…'}
        </p>
        {/* One line for both, so the header keeps its height when a run starts. */}
        <div className="backend-more">
          {backend && <BackendAttempts choice={backend} />}
          {busy && (
            <p className="backend-locked" id="backend-locked" data-testid="backend-locked">
              {BACKEND_LOCKED}
            </p>
          )}
        </div>
      </div>
    </header>
  );
}
