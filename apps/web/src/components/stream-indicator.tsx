import { hrefFor } from '../routing/routes.ts';
import { useLiveStream } from '../stream/stream-context.tsx';

const labels = {
  connecting: 'connecting',
  live: 'live · replaying',
  'caught-up': 'live · caught up',
  reconnecting: 'reconnecting',
  unauthorized: 'token needed',
} as const;

export function StreamIndicator({ testId = 'stream-state' }: { testId?: string }) {
  const { snapshot } = useLiveStream();
  const detail =
    snapshot.state === 'reconnecting' && snapshot.reconnectInMs !== null
      ? ` (try ${snapshot.attempt}, ${Math.round(snapshot.reconnectInMs / 100) / 10} s${snapshot.lastCloseCode ? `, code ${snapshot.lastCloseCode}` : ''})`
      : '';
  const refused = snapshot.state === 'unauthorized';
  return (
    <a
      href={hrefFor({ screen: refused ? 'settings' : 'feed' })}
      className={`stream-indicator stream-${snapshot.state}`}
      data-testid={testId}
      data-state={snapshot.state}
      title={
        refused ? 'the server refused the stream’s token: set one in Settings' : `last position: ${snapshot.lastPosition ?? 'none yet'}`
      }
    >
      <span className="stream-dot" />
      {labels[snapshot.state]}
      <span className="dim">{detail}</span>
    </a>
  );
}
