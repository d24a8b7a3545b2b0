/**
 * The contract between the page and the engine worker: what the worker offers, by job. Only types
 * and plain data cross it (structured clone), so the page never needs tfjs.
 */
import type { ModelsEngineApi } from './modelsApi';
import type { RunsEngineApi } from './runsApi';
import type { SearchEngineApi } from './searchApi';
import type { TrainingEngineApi } from './trainingApi';
import type { ViewsEngineApi } from './viewsApi';

export interface EngineApi extends TrainingEngineApi, RunsEngineApi, ModelsEngineApi, SearchEngineApi, ViewsEngineApi {}
