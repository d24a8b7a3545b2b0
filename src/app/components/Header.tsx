import type { BackendPreference } from '../../worker/api';
import { isBusy, useApp } from '../store';

const BACKENDS: { id: BackendPreference; label: string }[] = [
  { id: 'auto', label: 'Automatic' },
  { id: 'webgpu', label: 'WebGPU' },
  { id: 'wasm', label: 'WASM' },
  { id: 'webgl', label: 'WebGL' },
  { id: 'cpu', label: 'CPU (plain JS)' },
];

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
        <p className="backend-reason" data-testid="backend-reason">
          {engineError ?? backend?.reason ?? 'Starting the compute engine…'}
        </p>
      </div>
    </header>
  );
}
