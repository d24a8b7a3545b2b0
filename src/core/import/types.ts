/**
 * The data of an import: a dropped folder or .zip in torchvision's ImageFolder layout, decoded in
 * the import worker, stored in IndexedDB and served by the engine worker like a built-in dataset.
 */
import type { ImageFit } from '../data/imageFit';
import type { LayoutRefusalCode, LayoutSkipReason } from '../data/imageFolderLayout';
import type { ImportPreprocessing, Rgb } from '../data/importedDataset';

/** The limits of an import: the UI states them, the import worker enforces them. */
export const IMPORT_LIMITS = {
  /** Every image is resized once to this square side (the engine's base size, so no second resize). */
  workingSize: 128,
  /** Larger files are skipped unread. */
  maxFileBytes: 50 * 1024 * 1024,
  /** Images whose header declares more pixels are skipped undecoded (decompression bombs). */
  maxPixels: 40_000_000,
  /** Above this many images the import warns (time and storage). */
  warnImages: 5_000,
  /**
   * Above this many images the import is refused. Images are stored compressed one by one and
   * read per batch while training, so memory does not grow with this (issue 18); what grows is
   * the import's time and the browser storage it takes.
   */
  maxImages: 100_000,
  maxClasses: 1_000,
  /** A dataset to train on needs two classes; a test set may cover only some (the CLI's --test-data, eval). */
  minClasses: 2,
} as const;

/** A file of a dropped or picked folder, with its path relative to the drop. */
export interface ImportFile {
  path: string;
  file: File;
}

export type ImportSource =
  /** Files of a dropped or picked folder; `dirs` lists the folders seen (empty ones included). */
  { kind: 'files'; name: string; files: ImportFile[]; dirs: string[] } | { kind: 'zip'; name: string; file: File };

export interface ImportOptions {
  fit: ImageFit;
}

/** Skipped files listed per reason in a report (the rest are counted). */
export const REPORT_FILES_PER_REASON = 500;

export type SkipReason = LayoutSkipReason | 'empty-file' | 'too-large' | 'too-many-pixels' | 'corrupt' | 'unreadable';

export interface SkippedFile {
  path: string;
  reason: SkipReason;
  detail: string;
}

export type ImportRefusalCode = LayoutRefusalCode | 'too-many-images' | 'no-usable-images' | 'quota' | 'failed';

/** Why a whole import was refused, with the files or folders concerned. */
export interface ImportRefusal {
  code: ImportRefusalCode;
  message: string;
  paths: string[];
}

export interface ImportReport {
  /** Folder or zip name. */
  source: string;
  /** The folder taken as the dataset root ('' = the top level). */
  root: string;
  layout: 'class-folders' | 'train-test';
  /** Files found (folders not counted). */
  files: number;
  trainCount: number;
  testCount: number;
  classes: number;
  /** Skipped files, at most REPORT_FILES_PER_REASON of each reason (all are counted in skippedByReason). */
  skipped: SkippedFile[];
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** Hidden and system files (.DS_Store, __MACOSX/, Thumbs.db, …), ignored. */
  ignored: number;
  notes: string[];
  warnings: string[];
  seconds: number;
}

/** An imported dataset as stored in this browser (IndexedDB). */
export interface StoredDatasetInfo {
  id: string;
  name: string;
  classes: string[];
  /** Folder name of every class, as found. */
  classFolders: string[];
  createdAt: number;
  source: { kind: 'folder' | 'zip'; name: string };
  trainCount: number;
  testCount: number;
  /** Training-pool images per class. */
  countsByClass: number[];
  testCountsByClass: number[];
  height: number;
  width: number;
  channels: 1 | 3;
  /** Bytes of stored pixels. */
  bytes: number;
  /** Transparency is composited onto this colour (also in preprocessing). */
  alphaBackground: Rgb;
  preprocessing: ImportPreprocessing;
  report: ImportReport;
}

export interface ImportProgress {
  datasetId: string | null;
  phase: 'listing' | 'decoding' | 'saving';
  done: number;
  total: number;
  skipped: number;
  /** The file being read. */
  path: string;
  warning?: string;
}

export type ImportResult =
  | { status: 'imported'; dataset: StoredDatasetInfo }
  | { status: 'refused'; refusal: ImportRefusal; report: ImportReport }
  | { status: 'cancelled'; report: ImportReport };

export interface StorageInfo {
  usage: number;
  quota: number;
}
