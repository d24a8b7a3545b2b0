/** The models the benchmark runs, by manifest id. */
import type { ModelManifest } from '../../src/engine/models/manifest';
import darknetTiny from '../../models/darknet-tiny.json';
import mobilenetV2 from '../../models/nsfwjs-mobilenet-v2.json';

export interface BenchModel {
  manifest: ModelManifest;
  /** Where the benchmark finds model.json: under the project root in Node, under the bench site in the browser. */
  folder: string;
}

export const BENCH_MODELS: Record<string, BenchModel> = {
  'darknet-tiny': { manifest: darknetTiny as ModelManifest, folder: 'models/darknet-tiny' },
  'nsfwjs-mobilenet-v2': { manifest: mobilenetV2 as ModelManifest, folder: 'models/nsfwjs-mobilenet-v2' },
};
