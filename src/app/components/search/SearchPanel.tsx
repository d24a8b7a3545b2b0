import { useApp } from '../../store';
import { Leaderboard } from './Leaderboard';
import { SearchProgress } from './SearchProgress';
import { SearchResults } from './SearchResults';
import { SearchSetup } from './SearchSetup';
import { TrialCurves } from './TrialCurves';

/** AutoVP search: the space and settings, progress, leaderboard, curves and the winner. */
export function SearchPanel({ onShowRun }: { onShowRun: () => void }) {
  const record = useApp((s) => s.searchRecord);
  return (
    <>
      <SearchSetup key={record?.id ?? 'new'} />
      <SearchProgress />
      {record && (
        <>
          <SearchResults record={record} onShowRun={onShowRun} />
          <TrialCurves record={record} />
          <Leaderboard record={record} />
        </>
      )}
    </>
  );
}
