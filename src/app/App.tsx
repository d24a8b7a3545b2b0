import { lazy, Suspense, useEffect, useState } from 'react';
import { DatasetPanel } from './components/DatasetPanel';
import { DesignPanel } from './components/DesignPanel';
import { Header } from './components/Header';
import { ModelPanel } from './components/ModelPanel';
import { PromptPanel } from './components/PromptPanel';
import { ResumeBanner } from './components/ResumeBanner';
import { RunResult } from './components/RunResult';
import { RunsPanel } from './components/RunsPanel';
import { TrainControls } from './components/TrainControls';
import { RunViews } from './components/views/RunViews';
import { ShareLink } from './components/views/ShareLink';
import { useApp } from './store';

// Recharts and the search are loaded after the page shows (code split): the first task does less,
// and each part is parsed and mounted in tasks of its own.
const Charts = lazy(() => import('./components/Charts').then((m) => ({ default: m.Charts })));
const SearchPanel = lazy(() => import('./components/search/SearchPanel').then((m) => ({ default: m.SearchPanel })));

/** Where the training curves come: the same card, empty, while their code loads. */
const chartsLoading = (
  <section className="card charts" aria-label="Training curves" data-points={0} style={{ minHeight: 280 }} />
);

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
              <ResumeBanner />
              <TrainControls />
              <Suspense fallback={chartsLoading}>
                <Charts />
              </Suspense>
              <RunResult />
              <RunViews />
              <RunsPanel />
              <PromptPanel />
            </div>
          ) : (
            <div className="tab-panel" role="tabpanel" id="panel-search" aria-labelledby="tab-search">
              <Suspense fallback={<p className="muted">Loading the search…</p>}>
                <SearchPanel onShowRun={() => show('run')} />
              </Suspense>
            </div>
          )}
        </div>
      </main>
    </>
  );
}
