#!/usr/bin/env node
/**
 * `npx autovp …`: the bin of the local package autovp-cli (linked from the project's
 * package.json as a file: dependency). It makes sure the Node bundle of src/cli is built and
 * current (cli/build.mjs, Vite's SSR build; a few seconds, only when the sources changed), then
 * runs it. Exit code 1 on any error.
 */
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, projectRoot } from './build.mjs';

const root = projectRoot();
let bundle;
try {
  bundle = await ensureBuilt(root, { log: (line) => process.stderr.write(`${line}\n`) });
} catch (e) {
  process.stderr.write(`autovp: could not build the CLI: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
process.setSourceMapsEnabled?.(true);
const { runCli } = await import(pathToFileURL(bundle).href);
const stdout = process.stdout;
const stderr = process.stderr;
const code = await runCli(process.argv.slice(2), {
  root,
  cwd: process.cwd(),
  stdout: {
    write: (t) => stdout.write(t),
    isTTY: Boolean(stdout.isTTY),
    get columns() {
      return stdout.columns;
    },
  },
  stderr: {
    write: (t) => stderr.write(t),
    isTTY: Boolean(stderr.isTTY),
    get columns() {
      return stderr.columns;
    },
  },
  vars: process.env,
});
// Let pending writes drain, then leave (tfjs-wasm keeps no handles, but do not wait on any).
process.exitCode = code;
stdout.write('', () => stderr.write('', () => process.exit(code)));
