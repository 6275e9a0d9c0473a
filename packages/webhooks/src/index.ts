/**
 * Webhooks to a developer's own service, without storage: the signature, the endpoint event types,
 * the seeded fault plan, the retry schedule, the URL policy and one HTTP attempt. The server's
 * endpoint deliveries and `tracktrove listen` both use them.
 */
export { buildDeliveryRequest, deliveryUserAgent, eventIdOf, type DeliveryBody, type DeliveryRequest } from './delivery-request.ts';
export {
  endpointEventTypeOf,
  endpointEventTypeOfStored,
  endpointEventTypes,
  endpointWants,
  type EndpointEventType,
} from './event-types.ts';
export { EndpointFailuresSchema, noFailures, type EndpointFailures } from './failures.ts';
export { duplicateGapMs, planFaults, reorderSpanMs, type FaultKey, type FaultPlan } from './fault-plan.ts';
export { deliveryRetryLimits, nextAttemptDelayMs } from './retry-schedule.ts';
export {
  attemptLimits,
  createAttemptAgents,
  sendAttempt,
  type AttemptAgents,
  type AttemptRequest,
  type AttemptResult,
} from './send-attempt.ts';
export {
  defaultSignatureToleranceS,
  signatureHeaderName,
  signWebhook,
  verifyWebhookSignature,
  WebhookSignatureError,
  type SignatureProblem,
} from './signature.ts';
export { fallbackTraceparent, isTraceparent, traceparentOf } from './traceparent.ts';
export { checkEndpointUrl, isLoopbackHost, maxEndpointUrlLength, parseAllowedHosts, type UrlVerdict } from './url-policy.ts';
