import { useEffect, useState } from 'react';
import { Charts } from './components/Charts';
import { DatasetPanel } from './components/DatasetPanel';
import { DesignPanel } from './components/DesignPanel';
import { Header } from './components/Header';
import { ModelPanel } from './components/ModelPanel';
import { PromptPanel } from './components/PromptPanel';
import { RunResult } from './components/RunResult';
import { RunsPanel } from './components/RunsPanel';
import { SearchPanel } from './components/search/SearchPanel';
import { TrainControls } from './components/TrainControls';
import { RunViews } from './components/views/RunViews';
import { ShareLink } from './components/views/ShareLink';
import { useApp } from './store';

type Tab = 'run' | 'search';
const TAB_KEY = 'autovp.tab';

function savedTab(): Tab {
  try {
    return localStorage.getItem(TAB_KEY) === 'search' ? 'search' : 'run';
  } catch {
    return 'run';
  }
}

export function App() {
  const [tab, setTab] = useState<Tab>(savedTab);
  const searchStatus = useApp((s) => s.searchRecord?.state.status);
  const searchActivity = useApp((s) => s.searchActivity);
  useEffect(() => {
    void useApp.getState().start();
  }, []);
  const show = (t: Tab) => {
    setTab(t);
    try {
      localStorage.setItem(TAB_KEY, t);
    } catch {
      // storage disabled: the tab is just not remembered
    }
  };
  const searchBadge =
    searchActivity === 'running' || searchActivity === 'starting'
      ? searchStatus === 'paused'
        ? 'paused'
        : 'running'
      : searchActivity === 'training-winner'
        ? 'training'
        : null;
  return (
    <>
      <Header />
      <main className="layout">
        <div className="setup">
          <DatasetPanel />
          <ModelPanel />
          <DesignPanel />
          <ShareLink />
        </div>
        <div className="results">
          <div className="tabs" role="tablist" aria-label="What to do">
            <button
              type="button"
              role="tab"
              id="tab-run"
              aria-selected={tab === 'run'}
              aria-controls="panel-run"
              onClick={() => show('run')}
            >
              Train one design
            </button>
            <button
              type="button"
              role="tab"
              id="tab-search"
              aria-selected={tab === 'search'}
              aria-controls="panel-search"
              onClick={() => show('search')}
              data-testid="search-tab"
            >
              AutoVP search{searchBadge && <span className="tab-badge">{searchBadge}</span>}
            </button>
          </div>
          {tab === 'run' ? (
            <div className="tab-panel" role="tabpanel" id="panel-run" aria-labelledby="tab-run">
              <TrainControls />
              <Charts />
              <RunResult />
              <RunViews />
              <RunsPanel />
              <PromptPanel />
            </div>
          ) : (
            <div className="tab-panel" role="tabpanel" id="panel-search" aria-labelledby="tab-search">
              <SearchPanel onShowRun={() => show('run')} />
            </div>
          )}
        </div>
      </main>
    </>
  );
}
