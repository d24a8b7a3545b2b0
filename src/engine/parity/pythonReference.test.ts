import { describe, expect, it } from 'vitest';
import { joinPath, PYTHON, projectRoot, runCommand, torchUnavailable } from '../../../test/support/parity/support';

/**
 * The PyTorch reference's own checks (python/tests): TensorFlow padding rules, bilinear
 * placement and trainable resize, the reference FreqMap and weight dequantisation, each against
 * naive loops written from the definitions. The parity suites trust the reference; this is why.
 */
const unavailable = torchUnavailable();

describe.skipIf(unavailable !== null)(`the PyTorch reference's unit tests${unavailable ? ` — SKIPPED: ${unavailable}` : ''}`, () => {
  it('pass (python -m unittest discover -s python/tests)', () => {
    const r = runCommand(PYTHON, ['-m', 'unittest', 'discover', '-s', joinPath(projectRoot(), 'python', 'tests')], 120_000);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\nOK\b/);
  });
});
