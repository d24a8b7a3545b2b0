import type { StateCreator } from 'zustand';
import type { BackendSlice } from './backendSlice';
import type { DatasetSlice } from './datasetSlice';
import type { DesignSlice } from './designSlice';
import type { ModelsSlice } from './modelsSlice';
import type { RunSlice } from './runSlice';
import type { RunsSlice } from './runsSlice';
import type { SearchSlice } from './searchSlice';
import type { LinkSlice } from './linkSlice';
import type { ViewsSlice } from './viewsSlice';

export type AppState = BackendSlice &
  DatasetSlice &
  DesignSlice &
  RunSlice &
  RunsSlice &
  ModelsSlice &
  SearchSlice &
  ViewsSlice &
  LinkSlice & { start(): Promise<void> };

/** A slice of the one app store; slices may read and call each other through get(). */
export type Slice<T> = StateCreator<AppState, [], [], T>;

export const errorMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));
