import { useRef, useState } from 'react';
import { listTransactions } from '../../api/transactions-api.ts';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { useApiData } from '../../components/use-api-data.ts';
import { useStreamMessages } from '../../stream/stream-context.tsx';
import { bucketVolume, stackOrder, type VolumeMeasure } from './volume-buckets.ts';

const chartWidth = 900;
const chartHeight = 180;
const axisWidth = 44;
const refreshDebounceMs = 2_000;

/** Volume by status over time, from the newest 500 transactions (the list's page bound). */
export function VolumeChart() {
  const [measure, setMeasure] = useState<VolumeMeasure>('count');
  const [refreshKey, setRefreshKey] = useState(0);
  const recent = useApiData((signal) => listTransactions({ limit: 500 }, signal), [refreshKey]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useStreamMessages((message) => {
    if (message.kind !== 'event' || timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      setRefreshKey((key) => key + 1);
    }, refreshDebounceMs);
  });

  const buckets = bucketVolume(recent.data?.items ?? [], measure);
  const peak = Math.max(1, ...buckets.map((bucket) => bucket.total));
  const slotWidth = buckets.length ? (chartWidth - axisWidth) / buckets.length : 0;
  const barWidth = Math.max(2, slotWidth * 0.8);
  const presentStatuses = stackOrder.filter((status) => buckets.some((bucket) => bucket.byStatus[status]));

  return (
    <section className="panel" data-testid="volume-chart">
      <div className="panel-head">
        <h2>Volume by status</h2>
        <span className="dim">newest {recent.data?.items.length ?? 0} transactions by creation time, colored by current status</span>
        <div className="chips">
          {(['count', 'amount'] as const).map((option) => (
            <button key={option} type="button" className={measure === option ? 'chip active' : 'chip'} onClick={() => setMeasure(option)}>
              {option}
            </button>
          ))}
        </div>
      </div>
      <ProblemNotice problem={recent.problem} compact />
      {buckets.length === 0 ? (
        <div className="empty">No transactions to chart yet.</div>
      ) : (
        <>
          <svg viewBox={`0 0 ${chartWidth} ${chartHeight + 18}`} className="chart" role="img" aria-label="transaction volume by status">
            <text x={axisWidth - 6} y={10} className="axis-label" textAnchor="end">
              {formatPeak(peak, measure)}
            </text>
            <text x={axisWidth - 6} y={chartHeight} className="axis-label" textAnchor="end">
              0
            </text>
            <line x1={axisWidth} x2={chartWidth} y1={chartHeight} y2={chartHeight} className="axis" />
            {buckets.map((bucket, index) => {
              let top = chartHeight;
              const x = axisWidth + index * slotWidth + (slotWidth - barWidth) / 2;
              return (
                <g key={bucket.startMs}>
                  <title>
                    {new Date(bucket.startMs).toLocaleTimeString()} ·{' '}
                    {presentStatuses
                      .filter((status) => bucket.byStatus[status])
                      .map((status) => `${status} ${formatPeak(bucket.byStatus[status]!, measure)}`)
                      .join(', ')}
                  </title>
                  {stackOrder.map((status) => {
                    const value = bucket.byStatus[status];
                    if (!value) return null;
                    const height = (value / peak) * (chartHeight - 12);
                    top -= height;
                    return (
                      <rect key={status} x={x} y={top} width={barWidth} height={height} className={`bar bar-${status.toLowerCase()}`} />
                    );
                  })}
                  {(index === 0 || index === buckets.length - 1 || index % Math.ceil(buckets.length / 6) === 0) && (
                    <text x={x + barWidth / 2} y={chartHeight + 14} className="axis-label" textAnchor="middle">
                      {new Date(bucket.startMs).toLocaleTimeString(undefined, { hour12: false })}
                    </text>
                  )}
                </g>
              );
            })}
          </svg>
          <div className="legend">
            {presentStatuses.map((status) => (
              <span key={status} className="legend-item">
                <span className={`legend-swatch bar-${status.toLowerCase()}`} /> {status}
              </span>
            ))}
          </div>
        </>
      )}
    </section>
  );
}

function formatPeak(value: number, measure: VolumeMeasure): string {
  return measure === 'count' ? String(Math.round(value)) : value.toFixed(2);
}
