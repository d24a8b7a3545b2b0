import { useEffect } from 'react';
import { Charts } from './components/Charts';
import { DatasetPanel } from './components/DatasetPanel';
import { DesignPanel } from './components/DesignPanel';
import { Header } from './components/Header';
import { ModelPanel } from './components/ModelPanel';
import { PromptPanel } from './components/PromptPanel';
import { RunResult } from './components/RunResult';
import { RunsPanel } from './components/RunsPanel';
import { TrainControls } from './components/TrainControls';
import { useApp } from './store';

export function App() {
  useEffect(() => {
    void useApp.getState().start();
  }, []);
  return (
    <>
      <Header />
      <main className="layout">
        <div className="setup">
          <DatasetPanel />
          <ModelPanel />
          <DesignPanel />
        </div>
        <div className="results">
          <TrainControls />
          <Charts />
          <RunResult />
          {/* <RunsPanel /> */}
          {/* <PromptPanel /> */}
        </div>
      </main>
    </>
  );
}
