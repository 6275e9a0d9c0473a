export { NotFoundError } from './errors.ts';
export {
  defaultFailureSettings,
  effectiveSimulation,
  FailureSettingsSchema,
  readFailureSettings,
  simulationInForce,
  writeFailureSettings,
  type FailureSettings,
} from './failure-settings.ts';
export { authorize, gatewayLimits, type AuthorizationDecision } from './gateway.ts';
export { magicAmounts, magicEffectOf, type MagicEffect } from './magic-amounts.ts';
export { simulatorMigrations } from './migrations.ts';
export { loadOrCreateWebhookSecret } from './webhook-secret.ts';
export { seededRandom } from '@tracktrove/common';
export {
  receiveVerifiedWebhooks,
  verifyGatewayWebhook,
  webhookReceiptOf,
  type AppliedWebhook,
  type ReceiveOutcome,
  type ReceiveResult,
  type WebhooksApplier,
} from './receive-webhook.ts';
export { WebhookBodySchema, webhookLimits, webhookTypes, type WebhookBody, type WebhookType } from './webhook-body.ts';
export {
  deliverWebhook,
  deliverWebhooks,
  listDeliveries,
  planWebhookDelivery,
  scheduleWebhookDelivery,
  webhookDeliveryLimits,
  webhookRefsOf,
  webhookStreamPrefix,
  webhookTimerKind,
  type DeliverOptions,
  type DeliveryAttemptView,
  type WebhookDeliveryInput,
  type WebhookDeliveryPlan,
  type DeliveryView,
  type ListDeliveriesOptions,
  type WebhookInjection,
  type WebhookRequest,
  type WebhookResponse,
  type WebhookTransport,
} from './webhook-deliveries.ts';
export {
  defaultSignatureToleranceS,
  signatureHeaderName,
  signWebhook,
  verifyWebhookSignature,
  WebhookSignatureError,
  type SignatureProblem,
} from '@tracktrove/webhooks';
export type {
  FailureSettingsTable,
  SimulatorTables,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookReceiptsTable,
  WebhookSecretTable,
} from './tables.ts';
