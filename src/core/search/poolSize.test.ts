import { describe, expect, it } from 'vitest';
import { defaultPoolSize, MAX_POOL_SIZE, WORKER_PEAK_MB } from './poolSize';

describe('the default pool size', () => {
  it('runs one worker per logical core but one (the page keeps one), where memory allows', () => {
    expect(defaultPoolSize(2, 64)).toBe(1);
    expect(defaultPoolSize(3, 64)).toBe(2);
    expect(defaultPoolSize(5, 64)).toBe(4);
    expect(defaultPoolSize(1, 64)).toBe(1);
  });

  it('keeps workers × the measured peak within three quarters of the device memory', () => {
    // Chromium's deviceMemory stops at 8: 6 GB for the pool holds two 2.3 GB workers.
    expect(defaultPoolSize(16, 8)).toBe(2);
    expect(defaultPoolSize(16, 16)).toBe(Math.floor((16 * 1024 * 0.75) / WORKER_PEAK_MB));
    expect(defaultPoolSize(16, 32)).toBe(MAX_POOL_SIZE);
    for (const gb of [0.5, 1, 2, 4, 8, 16, 32, 64]) {
      const size = defaultPoolSize(64, gb);
      if (size > 1) expect(size * WORKER_PEAK_MB).toBeLessThanOrEqual(gb * 1024 * 0.75);
    }
    expect(defaultPoolSize(16, 0.5)).toBe(1);
  });

  it('reads unknown figures as 2 cores and 8 GB, and never leaves 1–MAX_POOL_SIZE', () => {
    expect(defaultPoolSize(undefined, undefined)).toBe(1);
    expect(defaultPoolSize(0, 0)).toBe(1);
    expect(defaultPoolSize(4, undefined)).toBe(2);
    expect(defaultPoolSize(1024, 1024)).toBe(MAX_POOL_SIZE);
  });
});
