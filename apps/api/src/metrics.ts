import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The process's Prometheus metrics; one registry per app, so tests can run several apps. */
export interface Metrics {
  readonly registry: Registry;
  readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly eventsAppended: Counter<'type'>;
  readonly webSocketClients: Gauge<'endpoint'>;
  readonly projectionLag: Gauge<'projection'>;
  readonly pendingHolds: Gauge;
  readonly timersFired: Counter<'path'>;
}

export function createMetrics(
  collectors: {
    projectionLag?: () => Promise<Array<{ name: string; lag: number }>>;
    pendingHolds?: () => Promise<number>;
    /** Timers fired since the process started, by path: monotonic totals. */
    timersFired?: () => Readonly<Record<string, number>>;
  } = {},
): Metrics {
  const registry = new Registry();
  const timersFiredSeen = new Map<string, number>();
  collectDefaultMetrics({ register: registry, prefix: 'tracktrove_' });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'tracktrove_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    eventsAppended: new Counter({
      name: 'tracktrove_events_appended_total',
      help: 'Events committed to the log, as seen by this process',
      labelNames: ['type'],
      registers: [registry],
    }),
    webSocketClients: new Gauge({
      name: 'tracktrove_websocket_clients',
      help: 'Connected WebSocket clients',
      labelNames: ['endpoint'],
      registers: [registry],
    }),
    projectionLag: new Gauge({
      name: 'tracktrove_projection_lag_events',
      help: 'Events committed but not yet applied, per projection',
      labelNames: ['projection'],
      registers: [registry],
      async collect() {
        if (!collectors.projectionLag) return;
        try {
          for (const { name, lag } of await collectors.projectionLag()) this.set({ projection: name }, lag);
        } catch {
          // The database is down: /ready says so; keep the last values.
        }
      },
    }),
    pendingHolds: new Gauge({
      name: 'tracktrove_pending_escrow_holds',
      help: 'Escrow holds placed and not yet posted, voided or expired',
      registers: [registry],
      async collect() {
        if (!collectors.pendingHolds) return;
        try {
          this.set(await collectors.pendingHolds());
        } catch {
          // as above
        }
      },
    }),
    timersFired: new Counter({
      name: 'tracktrove_timers_fired_total',
      help: 'Timers this process fired, by the path that found them: redis_notification and redis_poll (the Redis fast path), sweeper, in_process, clock_advance, direct',
      labelNames: ['path'],
      registers: [registry],
      collect() {
        for (const [path, total] of Object.entries(collectors.timersFired?.() ?? {})) {
          const seen = timersFiredSeen.get(path) ?? 0;
          if (total > seen) this.inc({ path }, total - seen);
          timersFiredSeen.set(path, Math.max(seen, total));
        }
      },
    }),
  };
}
