import { useEffect, useState } from 'react';
import { onReachabilityChange } from '../api/api-request.ts';
import { checkHealth } from '../api/health-api.ts';

const recheckEveryMs = 5_000;

/** A banner, not a blank page, while the API cannot be reached. */
export function UnreachableBanner() {
  const [reachable, setReachable] = useState(true);

  useEffect(() => {
    const stop = onReachabilityChange(setReachable);
    checkHealth().catch(() => undefined);
    return () => {
      stop();
    };
  }, []);

  useEffect(() => {
    if (reachable) return;
    const timer = setInterval(() => checkHealth().catch(() => undefined), recheckEveryMs);
    return () => clearInterval(timer);
  }, [reachable]);

  if (reachable) return null;
  return (
    <div className="unreachable-banner" role="alert" data-testid="api-unreachable">
      <strong>API unreachable.</strong> The trace viewer could not reach the TrackTrove server; checking again every {recheckEveryMs / 1000}{' '}
      s. Start it with <code>pnpm start</code> (port 8080).
      <button type="button" onClick={() => checkHealth().catch(() => undefined)}>
        Retry now
      </button>
    </div>
  );
}
