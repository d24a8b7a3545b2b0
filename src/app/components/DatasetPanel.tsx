import { useEffect } from 'react';
import { useApp } from '../store';
import { DatasetImport } from './DatasetImport';
import { DatasetOverview } from './DatasetOverview';
import { DatasetPicker } from './DatasetPicker';
import { PageDropOverlay } from './PageDropOverlay';

/** Step 1: pick a built-in or imported dataset, or bring one (folder or zip), and look at it. */
export function DatasetPanel() {
  const refreshImported = useApp((s) => s.refreshImported);
  useEffect(() => {
    void refreshImported();
  }, [refreshImported]);
  return (
    <section className="card" aria-labelledby="dataset-title">
      <h2 id="dataset-title">1. Dataset</h2>
      <DatasetPicker />
      <DatasetImport />
      <DatasetOverview />
      <PageDropOverlay />
    </section>
  );
}
