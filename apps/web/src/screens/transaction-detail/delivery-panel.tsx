import { Fragment, useState, type ReactNode } from 'react';
import { ProblemNotice } from '../../components/problem-notice.tsx';
import { RedeliverButton } from '../../components/redeliver-button.tsx';
import type { ApiData } from '../../components/use-api-data.ts';
import { useCommand } from '../../components/use-command.ts';
import { formatTime } from '../../format/format.ts';

/** One column of a delivery table: its header and what each delivery shows in it. */
export interface DeliveryColumn<Delivery> {
  readonly header: string;
  readonly headerClassName?: string;
  readonly cell: (delivery: Delivery) => ReactNode;
}

interface DeliveryPanelProps<Delivery extends { id: string }> {
  readonly title: string;
  readonly subtitle: string;
  /** The panel's test id; its empty notice is `<testId>-empty`. */
  readonly testId: string;
  readonly emptyText: string;
  readonly deliveries: ApiData<readonly Delivery[]>;
  readonly columns: readonly DeliveryColumn<Delivery>[];
  /** The row's test id and data attributes (data-delivery-id is added). */
  readonly rowTestId: string;
  readonly rowData: (delivery: Delivery) => Record<`data-${string}`, string | number | boolean>;
  readonly redeliver: { readonly send: (id: string) => Promise<unknown>; readonly title: string; readonly testId: string };
  /** What an opened row shows below it. */
  readonly details: (delivery: Delivery) => ReactNode;
}

/**
 * A transaction's deliveries as a panel: a table of the given columns, a redeliver button a row,
 * and the row's details below it when clicked. The gateway's webhooks and the developer's
 * endpoints differ in their columns and details only.
 */
export function DeliveryPanel<Delivery extends { id: string }>(props: DeliveryPanelProps<Delivery>) {
  const { deliveries, columns } = props;
  const [expanded, setExpanded] = useState<string | null>(null);
  const redeliver = useCommand(props.redeliver.send, deliveries.reload);
  const items = deliveries.data ?? [];
  return (
    <section className="panel" data-testid={props.testId}>
      <div className="panel-head">
        <h3>{props.title}</h3>
        <span className="dim">{props.subtitle}</span>
        <button type="button" onClick={deliveries.reload}>
          {deliveries.loading ? 'loading…' : 'refresh'}
        </button>
      </div>
      <ProblemNotice problem={deliveries.problem ?? redeliver.problem} />
      {items.length === 0 ? (
        <div className="empty" data-testid={`${props.testId}-empty`}>
          {deliveries.loading ? 'loading…' : props.emptyText}
        </div>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column.header} className={column.headerClassName}>
                  {column.header}
                </th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((delivery) => (
              <Fragment key={delivery.id}>
                <tr
                  className="clickable"
                  onClick={() => setExpanded(expanded === delivery.id ? null : delivery.id)}
                  data-testid={props.rowTestId}
                  data-delivery-id={delivery.id}
                  {...props.rowData(delivery)}
                >
                  {columns.map((column) => (
                    <Fragment key={column.header}>{column.cell(delivery)}</Fragment>
                  ))}
                  <td>
                    <RedeliverButton
                      pending={redeliver.pending}
                      onRedeliver={() => void redeliver.run(delivery.id)}
                      title={props.redeliver.title}
                      testId={props.redeliver.testId}
                    />
                  </td>
                </tr>
                {expanded === delivery.id && (
                  <tr className="expanded-row">
                    <td colSpan={columns.length + 1}>{props.details(delivery)}</td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The cells every delivery table has: when it was made, and its status. */
export function createdCell(createdAt: string): ReactNode {
  return <td className="mono dim">{formatTime(createdAt)}</td>;
}

export function statusCell(status: string): ReactNode {
  return (
    <td>
      <span className={`delivery-status delivery-${status}`}>{status}</span>
    </td>
  );
}
