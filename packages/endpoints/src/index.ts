/** Webhook endpoints of a developer's own service, and their deliveries: tables, queue, log. */
export {
  claimDueDeliveries,
  injectedOf,
  planOutcomeOf,
  recordAttemptsIn,
  recordPlanIn,
  redeliver,
  redeliverFailedSince,
  redeliverLimits,
  releaseLease,
} from './delivery-queue.ts';
export type { AttemptRecord, ClaimedDelivery, PlanOutcome } from './delivery-queue.ts';
export { getEndpointDelivery, listEndpointDeliveries, type DeliveryFilter } from './delivery-log.ts';
export {
  deliveryStatuses,
  deliveryTraceparent,
  noneInjected,
  type AttemptView,
  type DeliveryRow,
  type DeliveryStatus,
  type EndpointDeliveryView,
  type InjectedFaults,
} from './delivery-view.ts';
export {
  createEndpoint,
  deleteEndpoint,
  endpointStreamPrefix,
  getEndpoint,
  listEndpoints,
  newEndpointSecret,
  rotateEndpointSecret,
  updateEndpoint,
  type EndpointChangeContext,
  type EndpointChanges,
  type NewEndpoint,
} from './endpoint-store.ts';
export { attemptDelivery, type AttemptContext, type AttemptOutcome } from './attempt-delivery.ts';
export { createDeliveryWriter, deliveryWriterLimits, type DeliveryWriter } from './delivery-writer.ts';
export { dispatcherLimits, startDispatcher, type DescribedEvent, type Dispatcher, type DispatcherOptions } from './dispatcher.ts';
export { endpointLimits, type EndpointRow, type EndpointView } from './endpoint-view.ts';
export { EndpointLimitError, EndpointNotFoundError } from './errors.ts';
export { endpointMigrations } from './migrations.ts';
export type { EndpointAttemptsTable, EndpointDeliveriesTable, EndpointTables, WebhookEndpointsTable } from './tables.ts';
