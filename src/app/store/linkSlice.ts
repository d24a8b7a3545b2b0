import { MODELS } from '../../../models';
import { BUILTIN_DATASETS, isBuiltin } from './datasetSlice';
import { type Slice } from './types';
import { decodeLink, encodeLink, type LinkConfig } from './urlState';

/** The configuration in the URL hash: read once at start, written back on every change. */
export interface LinkSlice {
  /** What was wrong with the link the page was opened with. */
  linkNotices: string[];
  dismissLinkNotices(): void;
  /** This page's address with the current configuration. */
  configLink(): string;
  /**
   * At start: applies the link's configuration (checked against the datasets and models this
   * browser has), then keeps the hash in step with the configuration. Resolves with the dataset
   * to select.
   */
  applyLinkAtStart(): Promise<string>;
}

type Config = Pick<LinkConfig, 'datasetId' | 'modelId' | 'design' | 'data' | 'baseline'>;

const configOf = (s: Config): LinkConfig => ({
  datasetId: s.datasetId,
  modelId: s.modelId,
  design: s.design,
  data: s.data,
  baseline: s.baseline,
});

export const createLinkSlice: Slice<LinkSlice> = (set, get, api) => ({
  linkNotices: [],

  dismissLinkNotices() {
    set({ linkNotices: [] });
  },

  configLink() {
    const url = new URL(window.location.href);
    url.hash = encodeLink(configOf(get()));
    return url.toString();
  },

  async applyLinkAtStart() {
    const defaults = configOf(get());
    const decoded = decodeLink(window.location.hash, defaults);
    let datasetId = get().datasetId;
    if (decoded) {
      const { config, present } = decoded;
      const notices = [...decoded.notices];
      get().setDesign(config.design);
      get().setData(config.data);
      get().setBaseline(config.baseline);
      if (present.has('m')) {
        if (MODELS.some((m) => m.id === config.modelId)) get().selectModel(config.modelId);
        else {
          // Possibly one of the user's own models: they are listed by the worker.
          await get().refreshModels();
          if (get().models.some((m) => m.manifest.id === config.modelId)) get().selectModel(config.modelId);
          else
            notices.push(
              `The link's model “${config.modelId}” is not in this browser (models you add yourself stay in the browser that added them); using ${get().models.find((m) => m.manifest.id === get().modelId)?.manifest.name ?? 'the default model'}. Add that model to use it.`,
            );
        }
      }
      if (present.has('ds')) {
        if (isBuiltin(config.datasetId)) datasetId = config.datasetId;
        else {
          await get().refreshImported();
          if (get().imported?.some((d) => d.id === config.datasetId)) datasetId = config.datasetId;
          else {
            datasetId = BUILTIN_DATASETS[0]!.id;
            notices.push(
              `The link's dataset is not in this browser (imported datasets stay in the browser that imported them); using ${BUILTIN_DATASETS[0]!.name}. Import that dataset here, then pick it.`,
            );
          }
        }
      }
      set({ linkNotices: notices });
    }
    // From now on the hash follows the configuration (replaceState: no history entry per change).
    let last = '';
    const write = () => {
      const hash = encodeLink(configOf(get()));
      if (hash === last) return;
      last = hash;
      try {
        window.history.replaceState(window.history.state, '', `#${hash}`);
      } catch {
        // a sandboxed page may refuse: the link button still shows the configuration
      }
    };
    api.subscribe((s, prev) => {
      if (
        s.datasetId !== prev.datasetId ||
        s.modelId !== prev.modelId ||
        s.design !== prev.design ||
        s.data !== prev.data ||
        s.baseline !== prev.baseline
      )
        write();
    });
    // The dataset is selected by start(); write what is chosen now, with that dataset.
    last = encodeLink({ ...configOf(get()), datasetId });
    try {
      window.history.replaceState(window.history.state, '', `#${last}`);
    } catch {
      // as above
    }
    return datasetId;
  },
});
