/**
 * Collects items and hands them over together, once per animation frame (or `maxWaitMs` after the
 * first, where frames do not run, as in a hidden tab): a burst of worker events becomes one store
 * update, so one render, instead of one render each.
 */
export function frameBatcher<T>(apply: (items: T[]) => void, maxWaitMs = 100) {
  let items: T[] = [];
  let frame: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    if (frame !== null) cancelAnimationFrame(frame);
    if (timer !== null) clearTimeout(timer);
    frame = timer = null;
    if (items.length === 0) return;
    const batch = items;
    items = [];
    apply(batch);
  };
  return {
    push(item: T) {
      items.push(item);
      if (timer !== null) return;
      timer = setTimeout(flush, maxWaitMs);
      if (typeof requestAnimationFrame === 'function') frame = requestAnimationFrame(flush);
    },
    /** Hands over what is pending now. */
    flush,
  };
}
