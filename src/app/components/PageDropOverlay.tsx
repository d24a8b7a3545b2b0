import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { useApp } from '../store';
import { collectDrop } from './datasetSources';
import { isPromptFile } from './RunsPanel';
import { isUserModelFile } from '../store/modelsSlice';

const carriesFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

/** Areas that take their own drops (e.g. images to predict) are marked data-own-drop. */
const inOwnDropZone = (e: DragEvent) => e.target instanceof Element && e.target.closest('[data-own-drop]') !== null;

/**
 * The whole page accepts a dropped folder or zip: while files are dragged over it an overlay
 * says what will happen, and a drop starts an import. Dropped .safetensors files are prompts:
 * they are loaded into the saved prompts instead. Drops never navigate away from the app.
 */
export function PageDropOverlay() {
  const [over, setOver] = useState(false);
  const [ownZone, setOwnZone] = useState(false);
  const depth = useRef(0);
  const importDataset = useApp((s) => s.importDataset);
  const importPrompts = useApp((s) => s.importPrompts);
  const addUserModelFiles = useApp((s) => s.addUserModelFiles);
  const running = useApp((s) => s.importState.status !== 'idle');

  useEffect(() => {
    const enter = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth.current++;
      setOver(true);
    };
    const overPage = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      setOwnZone(inOwnDropZone(e));
      if (e.dataTransfer && !inOwnDropZone(e)) e.dataTransfer.dropEffect = running ? 'none' : 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setOver(false);
    };
    const drop = (e: DragEvent) => {
      if (!e.dataTransfer || !carriesFiles(e)) return;
      e.preventDefault();
      depth.current = 0;
      setOver(false);
      setOwnZone(false);
      if (inOwnDropZone(e)) return;
      const files = Array.from(e.dataTransfer.files);
      if (files.length > 0 && files.every(isPromptFile)) {
        void importPrompts(files);
        return;
      }
      const collect = collectDrop(e.dataTransfer);
      if (collect) {
        void collect().then((source) => {
          // A TensorFlow.js model (model.json + weights) goes to the models, not the datasets.
          if (source?.kind === 'files' && source.files.some((f) => isUserModelFile(f.path))) void addUserModelFiles(source.files);
          else if (source && !running) void importDataset(source);
        });
      }
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', overPage);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', overPage);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [importDataset, importPrompts, addUserModelFiles, running]);

  if (!over || ownZone) return null;
  // On <body>, not inside the dataset card: no ancestor (a transform, a filter, containment) can
  // become its containing block, so it always covers and centres in the viewport.
  return createPortal(
    <div className="drop-overlay" aria-hidden="true" data-testid="drop-overlay">
      <div className="drop-overlay-box">
        {running ? 'An import is running; wait for it to finish.' : 'Drop a folder of class folders, or a .zip of one, to import it as a dataset.'}
        <span className="drop-overlay-prompt">A .safetensors prompt dropped here is loaded into the saved prompts.</span>
        <span className="drop-overlay-prompt">A TensorFlow.js model (model.json with its weight files) is added to the models.</span>
      </div>
    </div>,
    document.body,
  );
}
