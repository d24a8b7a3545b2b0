import type { ModelListEntry } from '../../../worker/api/modelsApi';
import { bytes } from '../../format';
import { clipMemoryText } from './clipText';

const hubHost = (e: ModelListEntry) => (e.manifest.weights.kind === 'hub' ? new URL(e.manifest.weights.url).host : 'the web');

/** The picker's line for a CLIP model: its classes are the dataset's, and it needs the internet once. */
export function clipOptionLabel(e: ModelListEntry): string {
  const m = e.manifest;
  return `${m.name} — ${m.inputSize}², your classes, ${bytes(m.sizeBytes)} · ${e.cached ? 'cached' : 'needs the internet once'}`;
}

/** The facts a CLIP model adds to the model card (inside its <dl>). */
export function ClipFacts({ entry }: { entry: ModelListEntry }) {
  return (
    <>
      <dt>Source classes</dt>
      <dd>Your dataset’s class names, each put into CLIP’s prompt templates and encoded by its text tower</dd>
      <dt>Internet</dt>
      <dd data-testid="clip-internet">
        {entry.cached
          ? 'Downloaded already: works offline from this browser’s cache'
          : `Needs the internet once: ${bytes(entry.manifest.sizeBytes)} from ${hubHost(entry)}, then kept in this browser’s cache for offline use`}
      </dd>
      <dt>Memory</dt>
      <dd data-testid="clip-memory">{clipMemoryText(entry.manifest)}</dd>
    </>
  );
}
