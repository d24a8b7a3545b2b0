/**
 * The `autovp` command line: the engine of AutoVP Playground in Node on the wasm backend.
 *
 *   autovp train  --data DIR --model ID|DIR --mapping … --out DIR
 *   autovp eval   --prompt FILE --data DIR
 *   autovp search --data DIR --model ID|DIR [--model …] --out DIR
 *   autovp benchmark [--root DIR] [--tasks …] [--methods …] --out DIR
 *   autovp models
 *
 * cli/autovp.mjs (the bin of the local package autovp-cli) builds this module into a Node bundle
 * with Vite on first use (cli/build.mjs) and calls runCli. Tests call runCli directly.
 */
import { allModels } from '../../models';
import { sourceClassCount } from '../engine/models/classNames';
import { commandHelp, parseOptions, suggest } from './args';
import { COMMANDS, EVAL, MODELS_COMMAND, SEARCH, TRAIN } from './commands';
import { type CliEnv, CliError } from './env';
import { BENCHMARK, runBenchmark } from './benchmark';
import { runEval } from './evaluate';
import { megabytes } from './progress';
import { runSearch, runSearchWorker } from './search';
import { SEARCH_WORKER_COMMAND } from './searchWorkers';
import { runTrain } from './train';

export const VERSION = '0.1.0';

export type { CliEnv } from './env';

function mainHelp(): string {
  return [
    `autovp ${VERSION} — visual prompting for frozen vision models (AutoVP), on the same engine as AutoVP Playground`,
    '',
    'Usage: autovp <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`),
    '',
    'autovp <command> --help describes a command.',
    'Environment: AUTOVP_CACHE_DIR (downloaded models; default ~/.cache/autovp), AUTOVP_OFFLINE=1 (never use the network),',
    'AUTOVP_HUB_MIRROR (JSON {public URL prefix: replacement}), AUTOVP_DEBUG=1 (stack traces).',
    '',
  ].join('\n');
}

function listModels(env: CliEnv): number {
  for (const m of allModels()) {
    const w = m.weights;
    const where =
      w.kind === 'bundled'
        ? 'bundled (offline)'
        : w.kind === 'hub'
          ? `hub, downloaded once (${megabytes(m.sizeBytes)})`
          : w.kind;
    env.stdout.write(
      `${m.id.padEnd(26)} ${String(sourceClassCount(m)).padStart(5)} classes  ${m.inputSize}²  ${where}\n  ${m.name}\n`,
    );
  }
  env.stdout.write(
    '\nOr give a folder holding a TensorFlow.js model.json (and a classes.json with its class names): --model DIR\n',
  );
  return 0;
}

/** Runs one command line; resolves to the exit code. Never throws. */
export async function runCli(argv: readonly string[], env: CliEnv): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      const which = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
      env.stdout.write(which ? commandHelp(which) : mainHelp());
      return 0;
    }
    if (name === '--version' || name === '-v') {
      env.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (name === SEARCH_WORKER_COMMAND) return await runSearchWorker(parseOptions(SEARCH, rest), env);
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      const s = suggest(
        name,
        COMMANDS.map((c) => c.name),
      );
      throw new CliError(`Unknown command "${name}"${s ? `: did you mean "${s}"?` : '.'}`, [
        'Commands: train, eval, search, benchmark, models. autovp --help describes them.',
      ]);
    }
    const options = parseOptions(command, rest);
    if (options.help) {
      env.stdout.write(commandHelp(command, Math.max(60, Math.min(120, env.stdout.columns ?? 100))));
      return 0;
    }
    if (command === TRAIN) return await runTrain(options, env);
    if (command === EVAL) return await runEval(options, env);
    if (command === SEARCH) return await runSearch(options, env, rest);
    if (command === BENCHMARK) return await runBenchmark(options, env, runCli);
    if (command === MODELS_COMMAND) return listModels(env);
    throw new CliError(`Command ${name} is not implemented.`);
  } catch (e) {
    const debug = ['1', 'true'].includes(env.vars.AUTOVP_DEBUG ?? '');
    if (e instanceof CliError) {
      env.stderr.write(`\nautovp: ${e.message}\n${e.details.map((d) => `  ${d}\n`).join('')}`);
      if (debug && e.stack) env.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    } else {
      const message = e instanceof Error ? e.message : String(e);
      env.stderr.write(`\nautovp: ${message}\n`);
      if (debug && e instanceof Error && e.stack) env.stderr.write(`${e.stack}\n`);
      else env.stderr.write('  (AUTOVP_DEBUG=1 shows where it happened.)\n');
    }
    return 1;
  }
}
