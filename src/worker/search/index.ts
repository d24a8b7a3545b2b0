/**
 * The page's entry to AutoVP search (bridge code, like ../client.ts): the pure search modules of
 * the engine (no tfjs), the worker pool, persistence and reports. The UI imports from here.
 */
export { createAsha, DEFAULT_ASHA } from '../../engine/search/asha';
export { rayTuneScript } from '../../engine/search/rayTune';
export { createSearch } from '../../engine/search/searchController';
export { bestTrial, leaderboard } from '../../engine/search/searchState';
export { autovpSpace, enumerateTrials } from '../../engine/search/space';
export { defaultPoolSize, MAX_POOL_SIZE } from './pool';
export * from './searchReport';
export { startSearchRun, type SearchRun } from './searchRunner';
export { deleteSearch, isSearchRunning, listSearches, saveSearch } from './searchStore';
