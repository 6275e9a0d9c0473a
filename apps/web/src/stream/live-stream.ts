import type { Position, StreamMessage } from '../api/types.ts';
import { backoffDelayMs } from './backoff.ts';
import { checkStreamAccess, type StreamAccess } from './stream-access.ts';

/**
 * One WebSocket to /api/stream for the whole app. It remembers the last
 * position it saw and, after any disconnect (including close code 4008 for a
 * slow consumer), resumes with `from=<last position>` after a capped backoff.
 * A handshake the server refuses for the token (401/403) is not retried: the
 * stream stays `unauthorized` until it is restarted, e.g. with a new token.
 */
export type StreamState = 'connecting' | 'live' | 'caught-up' | 'reconnecting' | 'unauthorized';

/** Why the server refused the stream: the HTTP status and detail, and whether a token was sent. */
export interface StreamRefusal {
  status: number;
  detail: string;
  tokenSent: boolean;
}

export interface StreamSnapshot {
  state: StreamState;
  lastPosition: Position | null;
  caughtUpAt: Position | null;
  reconnectInMs: number | null;
  attempt: number;
  lastCloseCode: number | null;
  /** Set while the server refuses the token; cleared once a socket opens or the refusal is gone. */
  refusal: StreamRefusal | null;
}

type MessageListener = (message: StreamMessage) => void;
type SnapshotListener = (snapshot: StreamSnapshot) => void;

/** Three missed heartbeats (sent every 15 s) mean the socket is dead. */
const silenceLimitMs = 46_000;
export const slowConsumerCloseCode = 4008;

export class LiveStream {
  private socket: WebSocket | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  private token = '';
  /** Grows on every stop, so an access check answered after a restart is ignored. */
  private generation = 0;
  private readonly messageListeners = new Set<MessageListener>();
  private readonly snapshotListeners = new Set<SnapshotListener>();
  private snapshot: StreamSnapshot = {
    state: 'connecting',
    lastPosition: null,
    caughtUpAt: null,
    reconnectInMs: null,
    attempt: 0,
    lastCloseCode: null,
    refusal: null,
  };

  constructor(private readonly checkAccess: (token: string) => Promise<StreamAccess> = checkStreamAccess) {}

  start(token: string): void {
    this.token = token;
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.generation += 1;
    this.clearTimers();
    this.socket?.close(1000, 'client stopped');
    this.socket = null;
  }

  /** Reconnect now, e.g. after the token changed; keeps the last position. */
  restart(token: string): void {
    this.stop();
    this.update({ attempt: 0 });
    this.start(token);
  }

  current(): StreamSnapshot {
    return this.snapshot;
  }

  onMessage(listener: MessageListener): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  onSnapshot(listener: SnapshotListener): () => void {
    this.snapshotListeners.add(listener);
    return () => this.snapshotListeners.delete(listener);
  }

  private open(): void {
    this.clearTimers();
    this.update({ state: this.snapshot.attempt === 0 ? 'connecting' : 'reconnecting', reconnectInMs: null });
    let socket: WebSocket;
    try {
      socket = new WebSocket(streamUrl(this.snapshot.lastPosition ?? 'end', this.token));
    } catch {
      this.scheduleReconnect(null);
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.update({ state: 'live', refusal: null });
      this.armSilenceTimer();
    };
    socket.onmessage = (frame) => {
      this.armSilenceTimer();
      const message = parseMessage(frame.data);
      if (message) this.handle(message);
    };
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (opened) this.scheduleReconnect(close.code);
      else void this.handshakeFailed(close.code);
    };
    socket.onerror = () => {
      // onclose follows and decides what comes next.
    };
  }

  private handle(message: StreamMessage): void {
    if (message.kind === 'event') {
      this.update({ lastPosition: message.event.position });
    } else if (message.kind === 'caught-up') {
      this.update({
        state: 'caught-up',
        attempt: 0,
        caughtUpAt: message.position ?? this.snapshot.lastPosition,
        lastPosition: message.position ?? this.snapshot.lastPosition,
      });
    }
    for (const listener of this.messageListeners) listener(message);
  }

  /** The socket never opened: find out whether the token was refused before trying again. */
  private async handshakeFailed(closeCode: number): Promise<void> {
    this.clearTimers();
    const generation = this.generation;
    const token = this.token;
    this.update({ lastCloseCode: closeCode });
    const access = await this.checkAccess(token).catch((): StreamAccess => ({ kind: 'unknown' }));
    if (this.stopped || generation !== this.generation) return;
    if (access.kind === 'refused') {
      const refusal = { status: access.status, detail: access.detail, tokenSent: token !== '' };
      this.update({ state: 'unauthorized', reconnectInMs: null, refusal });
      return;
    }
    if (access.kind === 'granted') this.update({ refusal: null });
    this.scheduleReconnect(closeCode);
  }

  private scheduleReconnect(closeCode: number | null): void {
    this.clearTimers();
    if (this.stopped) return;
    const attempt = this.snapshot.attempt;
    // A slow-consumer close is not the server failing: come back at once.
    const delayMs = closeCode === slowConsumerCloseCode && attempt === 0 ? 100 : backoffDelayMs(attempt);
    this.update({ state: 'reconnecting', attempt: attempt + 1, reconnectInMs: delayMs, lastCloseCode: closeCode });
    this.reconnectTimer = setTimeout(() => this.open(), delayMs);
  }

  private armSilenceTimer(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => this.socket?.close(4000, 'no heartbeat'), silenceLimitMs);
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.reconnectTimer = null;
    this.silenceTimer = null;
  }

  private update(change: Partial<StreamSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.snapshotListeners) listener(this.snapshot);
  }
}

export function streamUrl(from: Position, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const params = new URLSearchParams({ from });
  if (token) params.set('token', token);
  return `${scheme}//${location.host}/api/stream?${params.toString()}`;
}

function parseMessage(data: unknown): StreamMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const message = JSON.parse(data) as StreamMessage;
    return typeof message?.kind === 'string' ? message : null;
  } catch {
    return null;
  }
}
