import { startTransition, useEffect, useState } from 'react';

/**
 * `value`, one animation frame later (`initial` until then). Recharts redraws a chart in the
 * animation frame after its data changed, all of it in one go: giving a second chart its data a
 * frame after the first puts the two redraws in separate main-thread tasks instead of one twice
 * as long.
 */
export function useNextFrame<T>(value: T, initial: T = value): T {
  const [shown, setShown] = useState(initial);
  useEffect(() => {
    let timer = 0;
    const frame = requestAnimationFrame(() => {
      timer = window.setTimeout(() => startTransition(() => setShown(value)));
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [value]);
  return shown;
}
