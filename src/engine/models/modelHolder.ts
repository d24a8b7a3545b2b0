import type { SourceModel } from '../train/visualPromptModel';

/**
 * Keeps at most one source model in memory. Asking for another model loads it first, then frees
 * the old one before building the new network (the old weights are released even when the new
 * model fails to build). Concurrent requests for the same model share one load.
 */
export class SourceModelHolder {
  private current: { id: string; source: SourceModel } | null = null;
  private pending: { id: string; promise: Promise<SourceModel> } | null = null;

  /** The id of the model in memory, if any. */
  get loadedId(): string | null {
    return this.current?.id ?? null;
  }

  /**
   * `fetchArtifacts` downloads (or reads) everything the model needs without touching tensors;
   * `build` creates the source model from that. Only `build` runs after the old model is freed.
   */
  async get<A>(id: string, fetchArtifacts: () => Promise<A>, build: (artifacts: A) => SourceModel): Promise<SourceModel> {
    if (this.current?.id === id) return this.current.source;
    if (this.pending?.id === id) return this.pending.promise;
    const promise = (async () => {
      const artifacts = await fetchArtifacts();
      this.release();
      const source = build(artifacts);
      this.current = { id, source };
      return source;
    })();
    this.pending = { id, promise };
    try {
      return await promise;
    } finally {
      if (this.pending?.promise === promise) this.pending = null;
    }
  }

  /** Frees the loaded model's weights (model switch, backend switch, deleted model). */
  release(): void {
    this.current?.source.network.dispose();
    this.current = null;
  }
}
