import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { darknetTinyDir } from '../../test/support/network/sharedModels';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Node reads the files the browser is served: darknet-tiny from ../shared, bundled models from public/generated. */
export function nodeModelDir(id: string): string {
  return id === 'darknet-tiny' ? darknetTinyDir() : join(ROOT, 'public', 'generated', 'models', id);
}
