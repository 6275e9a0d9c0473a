import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { onTokenChange, readToken } from '../api/token-storage.ts';
import type { RebuildProgress, StoredEvent, StreamMessage } from '../api/types.ts';
import { prependEvent } from './bounded-feed.ts';
import { LiveStream, type StreamSnapshot } from './live-stream.ts';

export interface ProjectionProgress {
  name: string;
  status: string;
  position: string | null;
  progress: RebuildProgress | null;
  receivedAt: number;
}

interface StreamContextValue {
  stream: LiveStream;
  snapshot: StreamSnapshot;
  recentEvents: StoredEvent[];
  projections: Record<string, ProjectionProgress>;
  lastHeartbeatAt: string | null;
  clearFeed: () => void;
}

const StreamContext = createContext<StreamContextValue | null>(null);

export function StreamProvider({ children }: { children: ReactNode }) {
  const streamRef = useRef<LiveStream | null>(null);
  streamRef.current ??= new LiveStream();
  const stream = streamRef.current;
  const [snapshot, setSnapshot] = useState(stream.current());
  const [recentEvents, setRecentEvents] = useState<StoredEvent[]>([]);
  const [projections, setProjections] = useState<Record<string, ProjectionProgress>>({});
  const [lastHeartbeatAt, setLastHeartbeatAt] = useState<string | null>(null);

  useEffect(() => {
    const stopSnapshots = stream.onSnapshot(setSnapshot);
    const stopMessages = stream.onMessage((message: StreamMessage) => {
      if (message.kind === 'event') setRecentEvents((feed) => prependEvent(feed, message.event));
      else if (message.kind === 'heartbeat') setLastHeartbeatAt(message.at);
      else if (message.kind === 'projection') {
        setProjections((known) => ({ ...known, [message.name]: { ...message, receivedAt: Date.now() } }));
      }
    });
    const stopTokens = onTokenChange((token) => stream.restart(token));
    stream.start(readToken());
    return () => {
      stopSnapshots();
      stopMessages();
      stopTokens();
      stream.stop();
    };
  }, [stream]);

  const value: StreamContextValue = {
    stream,
    snapshot,
    recentEvents,
    projections,
    lastHeartbeatAt,
    clearFeed: () => setRecentEvents([]),
  };
  return <StreamContext.Provider value={value}>{children}</StreamContext.Provider>;
}

export function useLiveStream(): StreamContextValue {
  const value = useContext(StreamContext);
  if (!value) throw new Error('useLiveStream needs a StreamProvider');
  return value;
}

/** Calls `listener` for every stream message while the component is mounted. */
export function useStreamMessages(listener: (message: StreamMessage) => void): void {
  const { stream } = useLiveStream();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => stream.onMessage((message) => latest.current(message)), [stream]);
}
