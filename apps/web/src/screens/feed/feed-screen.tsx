import { useState } from 'react';
import { readToken } from '../../api/token-storage.ts';
import type { JsonValue, StoredEvent } from '../../api/types.ts';
import { JsonTree } from '../../components/json-tree.tsx';
import { StreamIndicator } from '../../components/stream-indicator.tsx';
import { StreamRefusalNotice } from '../../components/stream-refusal-notice.tsx';
import { formatTime, shortId, transactionIdOfStream } from '../../format/format.ts';
import { feedCapacity } from '../../stream/bounded-feed.ts';
import { useLiveStream } from '../../stream/stream-context.tsx';

export function FeedScreen() {
  const { snapshot, recentEvents, lastHeartbeatAt, clearFeed, stream } = useLiveStream();
  const [typeFilter, setTypeFilter] = useState('');
  const [expanded, setExpanded] = useState<string | null>(null);
  const shown = typeFilter
    ? recentEvents.filter((event) => `${event.type} ${event.streamId}`.toLowerCase().includes(typeFilter.toLowerCase()))
    : recentEvents;

  return (
    <div className="stack">
      <section className="panel">
        <div className="panel-head">
          <h2>Live feed</h2>
          <StreamIndicator testId="feed-stream-indicator" />
          <button type="button" onClick={() => stream.restart(readToken())}>
            reconnect
          </button>
        </div>
        <StreamRefusalNotice />
        <dl className="facts">
          <div className="fact">
            <dt>state</dt>
            <dd className="mono" data-testid="feed-state">
              {snapshot.state}
            </dd>
          </div>
          <div className="fact">
            <dt>last position</dt>
            <dd className="mono" data-testid="feed-last-position">
              {snapshot.lastPosition ?? '—'}
            </dd>
          </div>
          <div className="fact">
            <dt>caught up at</dt>
            <dd className="mono">{snapshot.caughtUpAt ?? '—'}</dd>
          </div>
          <div className="fact">
            <dt>reconnect attempts</dt>
            <dd className="mono">{snapshot.attempt}</dd>
          </div>
          <div className="fact">
            <dt>last close code</dt>
            <dd className="mono">{snapshot.lastCloseCode ?? '—'}</dd>
          </div>
          <div className="fact">
            <dt>last heartbeat</dt>
            <dd className="mono">{formatTime(lastHeartbeatAt)}</dd>
          </div>
          <div className="fact">
            <dt>kept in memory</dt>
            <dd className="mono">
              {recentEvents.length} / {feedCapacity}
            </dd>
          </div>
        </dl>
      </section>
      <section className="panel">
        <div className="panel-head">
          <h3>Events, newest first</h3>
          <input
            className="mono"
            placeholder="filter by type or stream"
            value={typeFilter}
            onChange={(change) => setTypeFilter(change.target.value)}
            data-testid="feed-filter"
          />
          <button type="button" onClick={clearFeed}>
            clear
          </button>
        </div>
        {shown.length === 0 ? (
          <div className="empty" data-testid="feed-empty">
            Waiting for events. Fire a transaction and its events appear here as they commit.
          </div>
        ) : (
          <table className="grid" data-testid="feed-table">
            <thead>
              <tr>
                <th>recorded</th>
                <th>position</th>
                <th>type</th>
                <th>stream</th>
                <th className="number">v</th>
                <th>actor</th>
                <th>step · service</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((event) => (
                <FeedRow
                  key={event.position}
                  event={event}
                  expanded={expanded === event.position}
                  onToggle={() => setExpanded(expanded === event.position ? null : event.position)}
                />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function FeedRow({ event, expanded, onToggle }: { event: StoredEvent; expanded: boolean; onToggle: () => void }) {
  const transactionId = transactionIdOfStream(event.streamId);
  const actor = event.metadata?.actor;
  return (
    <>
      <tr className="clickable" onClick={onToggle} data-testid="feed-event" data-type={event.type}>
        <td className="mono dim">{formatTime(event.recordedAt)}</td>
        <td className="mono dim">{event.position}</td>
        <td className="mono">{event.type}</td>
        <td className="mono">
          {transactionId ? (
            <a href={`#/transactions/${transactionId}`} onClick={(click) => click.stopPropagation()} title={event.streamId}>
              txn-{shortId(transactionId)}
            </a>
          ) : (
            event.streamId
          )}
        </td>
        <td className="number mono">{event.version}</td>
        <td className="mono">{actor ? `${actor.role}${actor.id ? `:${actor.id}` : ''}` : ''}</td>
        <td>
          {event.metadata?.step ?? ''} <span className="dim">{event.metadata?.service ?? ''}</span>
        </td>
      </tr>
      {expanded && (
        <tr className="expanded-row">
          <td colSpan={7}>
            <JsonTree value={event.data as JsonValue} />
          </td>
        </tr>
      )}
    </>
  );
}
