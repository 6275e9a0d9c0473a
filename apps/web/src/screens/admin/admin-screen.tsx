import { ClockPanel } from './clock-panel.tsx';
import { FailuresPanel } from './failures-panel.tsx';
import { ProjectionsPanel } from './projections-panel.tsx';
import { SettlementPanel } from './settlement-panel.tsx';
import { VerifyPanel } from './verify-panel.tsx';

/** Everything under /api/admin: needs the admin token (Settings). */
export function AdminScreen() {
  return (
    <div className="stack">
      <div className="two-columns">
        <ClockPanel />
        <SettlementPanel />
      </div>
      <ProjectionsPanel />
      <div className="two-columns">
        <FailuresPanel />
        <VerifyPanel />
      </div>
    </div>
  );
}
