import { useRef, useState } from 'react';
import { useStreamMessages } from '../../stream/stream-context.tsx';
import { BalancesPanel } from './balances-panel.tsx';
import { EntriesPanel } from './entries-panel.tsx';
import { VolumeChart } from './volume-chart.tsx';

const liveRefreshDebounceMs = 1_000;

export function LedgerScreen() {
  const [refreshKey, setRefreshKey] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useStreamMessages((message) => {
    if (message.kind !== 'event' || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      setRefreshKey((key) => key + 1);
    }, liveRefreshDebounceMs);
  });
  return (
    <div className="stack">
      <BalancesPanel refreshKey={refreshKey} />
      <VolumeChart />
      <EntriesPanel refreshKey={refreshKey} />
    </div>
  );
}
