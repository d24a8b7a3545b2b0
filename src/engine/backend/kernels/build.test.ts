import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const here = import.meta.dirname;
const clang = (() => {
  try {
    execFileSync('clang-19', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'clang-19 is not installed (scripts/install-test-deps.sh installs it)';
  }
})();

describe.skipIf(clang !== null)(`the committed kernel binaries${clang ? ` — SKIPPED: ${clang}` : ''}`, () => {
  it('are what build.sh makes of kernels.c today (no stale binary)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kernels-'));
    try {
      execFileSync('bash', [join(here, 'build.sh'), join(dir, 'out.ts')], { stdio: 'pipe' });
      expect(readFileSync(join(dir, 'out.ts'), 'utf8')).toBe(readFileSync(join(here, 'kernelsWasm.ts'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
