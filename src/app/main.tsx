import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';
import { installTestHooks } from './testHooks';
import { warmUpIntl } from './warmUpIntl';

installTestHooks();

const root = createRoot(document.getElementById('root') as HTMLElement);
// A worker loads the locale data first (see warmUpIntl), then the page renders as a transition:
// React renders it in slices between which the browser stays responsive, not in one long task.
void warmUpIntl(500).then(() =>
  startTransition(() =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  ),
);
