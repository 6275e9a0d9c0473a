/**
 * Generated from the server's OpenAPI document by apps/web/scripts/generate-api-types.ts: do not
 * edit. Run `pnpm --filter @tracktrove/web gen:api-types` after changing a route's schema; CI
 * fails when this file is not current.
 */
/* eslint-disable */
export interface paths {
    "/api/admin/clock": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The sandbox clock */
        get: {
            parameters: {
                query?: {
                    minPosition?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            now: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/clock/advance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Advance the sandbox clock by ms or to a time; timers that become due fire */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        ms: number;
                    } | {
                        /** Format: date-time */
                        to: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            firedTimers: number;
                            from: string;
                            now: string;
                            position: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/failures": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Global failure injection settings */
        get: {
            parameters: {
                query?: {
                    minPosition?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @default false */
                            dropExpiryNotification: boolean;
                            /** @default 0 */
                            gatewayLatencyMs: number;
                            /** @default false */
                            redisDown: boolean;
                            /** @default null */
                            refundFailureRate: number | null;
                            /** @default null */
                            successRate: number | null;
                            /**
                             * @default {
                             *       "dropRate": null,
                             *       "duplicateRate": null,
                             *       "delayMs": null,
                             *       "reorder": false
                             *     }
                             */
                            webhook: {
                                /** @default null */
                                delayMs: number | null;
                                /** @default null */
                                dropRate: number | null;
                                /** @default null */
                                duplicateRate: number | null;
                                /** @default false */
                                reorder: boolean;
                            };
                        };
                    };
                };
            };
        };
        /**
         * Replace the global failure injection settings (omitted fields go back to off)
         * @description A value that is set wins over each transaction's own simulation settings for every decision made from now on, for transactions in flight too (retries, the webhooks of new holds, refund outcomes); what was already decided stays as recorded.
         */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @default false */
                        dropExpiryNotification?: boolean;
                        /** @default 0 */
                        gatewayLatencyMs?: number;
                        /** @default false */
                        redisDown?: boolean;
                        /** @default null */
                        refundFailureRate?: number | null;
                        /** @default null */
                        successRate?: number | null;
                        /**
                         * @default {
                         *       "dropRate": null,
                         *       "duplicateRate": null,
                         *       "delayMs": null,
                         *       "reorder": false
                         *     }
                         */
                        webhook?: {
                            /** @default null */
                            delayMs?: number | null;
                            /** @default null */
                            dropRate?: number | null;
                            /** @default null */
                            duplicateRate?: number | null;
                            /** @default false */
                            reorder?: boolean;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @default false */
                            dropExpiryNotification: boolean;
                            /** @default 0 */
                            gatewayLatencyMs: number;
                            /** @default false */
                            redisDown: boolean;
                            /** @default null */
                            refundFailureRate: number | null;
                            /** @default null */
                            successRate: number | null;
                            /**
                             * @default {
                             *       "dropRate": null,
                             *       "duplicateRate": null,
                             *       "delayMs": null,
                             *       "reorder": false
                             *     }
                             */
                            webhook: {
                                /** @default null */
                                delayMs: number | null;
                                /** @default null */
                                dropRate: number | null;
                                /** @default null */
                                duplicateRate: number | null;
                                /** @default false */
                                reorder: boolean;
                            };
                        };
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/projections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Each read model: position, lag, status and rebuild progress */
        get: {
            parameters: {
                query?: {
                    minPosition?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                generation: number;
                                lag: number;
                                lastError: string | null;
                                name: string;
                                position: string;
                                progress: {
                                    eventsDone: number;
                                    eventsPerSecond: number;
                                    eventsTotal: number;
                                    generation?: number;
                                    generations?: {
                                        [key: string]: number;
                                    };
                                    startedAt: string;
                                } | null;
                                /** @enum {string} */
                                status: "starting" | "live" | "catching-up" | "standby" | "rebuilding" | "stopped";
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/projections/{name}/rebuild": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rebuild a read model (or all: reading the log once) from history while queries keep being served, then swap */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            name: string;
                            projections: string[];
                            /** @enum {string} */
                            status: "rebuilding";
                            statusUrl: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/settlement/batches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Settlement batches, latest settlement date first, then latest written first */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    minPosition?: string;
                    settlementDate?: string;
                    vendorId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                batchId: string;
                                createdAt: string;
                                currency: string;
                                position: string;
                                settlementDate: string;
                                total: string;
                                totalMinor: number;
                                transactionCount: number;
                                transactionIds: string[];
                                vendorId: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/settlement/candidates/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Put transactions' settlement candidates right from their states (what verify reports as settlement_candidates) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        transactionIds: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                awaitsSettlement: boolean;
                                transactionId: string;
                            }[];
                            unknown: string[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/settlement/run": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run T+1 settlement now */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: date */
                        settlementDate?: string;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            batchIds: string[];
                            complete: boolean;
                            settledCount: number;
                            settlementDate: string;
                            totals: {
                                amount: string;
                                amountMinor: number;
                                count: number;
                                currency: string;
                            }[];
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/transactions/{id}/override": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Manual status override, recorded with actor and reason; the ledger stays balanced */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason: string;
                        /** @enum {string} */
                        status: "INITIATED" | "ESCROW" | "COMPLETED" | "SETTLED" | "FAILED" | "RETRY_PENDING" | "PERMANENTLY_FAILED" | "REFUNDED" | "DISPUTE_OPEN" | "DISPUTE_RESOLVED";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/admin/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Check every invariant: the ledger, read models against a fold of the log, event integrity */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            caughtUp: boolean;
                            checkedEvents: number;
                            checkedTransactions: number;
                            differenceCount: number;
                            differences: {
                                actual: unknown;
                                expected: unknown;
                                field: string;
                                key: string;
                                /** @enum {string} */
                                readModel: "transactions" | "traces" | "ledger";
                            }[];
                            ok: boolean;
                            upTo: string;
                            violations: ({
                                entryId: string | null;
                                invariant: string;
                                message: string;
                            } & {
                                [key: string]: unknown;
                            })[];
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/endpoint-deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Deliveries to the endpoints, newest first, each with its attempts */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    endpointId?: string;
                    limit?: number;
                    since?: string;
                    status?: "scheduled" | "retrying" | "delivered" | "failed" | "dropped";
                    transactionId?: string;
                    until?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                attemptCount: number;
                                attempts: {
                                    at: string;
                                    attempt: number;
                                    error: string | null;
                                    latencyMs: number;
                                    nextAttemptAt: string | null;
                                    request: {
                                        body: string;
                                        headers: {
                                            [key: string]: string;
                                        };
                                    };
                                    /** @description the first 4 KiB of the answer */
                                    responseBody: string;
                                    status: number | null;
                                }[];
                                createdAt: string;
                                endpointId: string;
                                eventId: string;
                                eventPosition: string;
                                id: string;
                                injected: {
                                    delayMs: number;
                                    dropped: boolean;
                                    duplicateOf: string | null;
                                    reordered: boolean;
                                    slow: boolean;
                                };
                                nextAttemptAt: string | null;
                                /** @enum {string} */
                                status: "scheduled" | "retrying" | "delivered" | "failed" | "dropped";
                                traceparent: string;
                                transactionId: string;
                                /** @enum {string} */
                                type: "transaction.initiated" | "transaction.escrow_held" | "transaction.completed" | "transaction.failed" | "transaction.retry_scheduled" | "transaction.permanently_failed" | "transaction.refunded" | "transaction.refund_failed" | "transaction.settled" | "transaction.dispute_opened" | "transaction.dispute_resolved" | "transaction.overridden";
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/endpoint-deliveries/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One delivery with its attempts */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            attemptCount: number;
                            attempts: {
                                at: string;
                                attempt: number;
                                error: string | null;
                                latencyMs: number;
                                nextAttemptAt: string | null;
                                request: {
                                    body: string;
                                    headers: {
                                        [key: string]: string;
                                    };
                                };
                                /** @description the first 4 KiB of the answer */
                                responseBody: string;
                                status: number | null;
                            }[];
                            createdAt: string;
                            endpointId: string;
                            eventId: string;
                            eventPosition: string;
                            id: string;
                            injected: {
                                delayMs: number;
                                dropped: boolean;
                                duplicateOf: string | null;
                                reordered: boolean;
                                slow: boolean;
                            };
                            nextAttemptAt: string | null;
                            /** @enum {string} */
                            status: "scheduled" | "retrying" | "delivered" | "failed" | "dropped";
                            traceparent: string;
                            transactionId: string;
                            /** @enum {string} */
                            type: "transaction.initiated" | "transaction.escrow_held" | "transaction.completed" | "transaction.failed" | "transaction.retry_scheduled" | "transaction.permanently_failed" | "transaction.refunded" | "transaction.refund_failed" | "transaction.settled" | "transaction.dispute_opened" | "transaction.dispute_resolved" | "transaction.overridden";
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/endpoint-deliveries/{id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** One more attempt of a delivery, now (it runs after the answer) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            attemptCount: number;
                            attempts: {
                                at: string;
                                attempt: number;
                                error: string | null;
                                latencyMs: number;
                                nextAttemptAt: string | null;
                                request: {
                                    body: string;
                                    headers: {
                                        [key: string]: string;
                                    };
                                };
                                /** @description the first 4 KiB of the answer */
                                responseBody: string;
                                status: number | null;
                            }[];
                            createdAt: string;
                            endpointId: string;
                            eventId: string;
                            eventPosition: string;
                            id: string;
                            injected: {
                                delayMs: number;
                                dropped: boolean;
                                duplicateOf: string | null;
                                reordered: boolean;
                                slow: boolean;
                            };
                            nextAttemptAt: string | null;
                            /** @enum {string} */
                            status: "scheduled" | "retrying" | "delivered" | "failed" | "dropped";
                            traceparent: string;
                            transactionId: string;
                            /** @enum {string} */
                            type: "transaction.initiated" | "transaction.escrow_held" | "transaction.completed" | "transaction.failed" | "transaction.retry_scheduled" | "transaction.permanently_failed" | "transaction.refunded" | "transaction.refund_failed" | "transaction.settled" | "transaction.dispute_opened" | "transaction.dispute_resolved" | "transaction.overridden";
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read the global log forward from a position */
        get: {
            parameters: {
                query?: {
                    from?: "start" | string;
                    limit?: number;
                    minPosition?: string;
                    streamId?: string;
                    types?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                data: unknown;
                                eventId: string;
                                metadata: {
                                    [key: string]: unknown;
                                };
                                position: string;
                                recordedAt: string;
                                schemaVersion: number;
                                streamId: string;
                                type: string;
                                version: number;
                            }[];
                            nextFrom: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ledger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Ledger entries in log order */
        get: {
            parameters: {
                query?: {
                    account?: string;
                    cursor?: string;
                    limit?: number;
                    minPosition?: string;
                    transactionId?: string;
                    type?: "ESCROW" | "SETTLEMENT" | "REFUND" | "CHARGEBACK" | "ADJUSTMENT";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                amount: string;
                                amountMinor: number;
                                at: string;
                                creditAccount: string;
                                currency: string;
                                debitAccount: string;
                                id: string;
                                pending: boolean;
                                pendingId: string | null;
                                phase: string;
                                position: string;
                                transactionId: string;
                                type: string;
                                version: number;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ledger/{transactionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A transaction's entries as an array (seed route) */
        get: {
            parameters: {
                query?: {
                    minPosition?: string;
                };
                header?: never;
                path: {
                    transactionId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            at: string;
                            creditAccount: string;
                            currency: string;
                            debitAccount: string;
                            id: string;
                            pending: boolean;
                            pendingId: string | null;
                            phase: string;
                            position: string;
                            transactionId: string;
                            type: string;
                            version: number;
                        }[];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ledger/balances": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Per-account balances, pending and posted apart, and totals; asOf folds the log up to a position */
        get: {
            parameters: {
                query?: {
                    asOf?: string;
                    minPosition?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accounts: {
                                account: string;
                                balance: string;
                                balanceMinor: number;
                                creditsPending: string;
                                creditsPendingMinor: number;
                                creditsPosted: string;
                                creditsPostedMinor: number;
                                currency: string;
                                debitsPending: string;
                                debitsPendingMinor: number;
                                debitsPosted: string;
                                debitsPostedMinor: number;
                            }[];
                            asOf?: string;
                            totals: {
                                [key: string]: {
                                    creditsPending: string;
                                    creditsPendingMinor: number;
                                    creditsPosted: string;
                                    creditsPostedMinor: number;
                                    debitsPending: string;
                                    debitsPendingMinor: number;
                                    debitsPosted: string;
                                    debitsPostedMinor: number;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List transactions, newest first */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    minPosition?: string;
                    status?: "INITIATED" | "ESCROW" | "COMPLETED" | "SETTLED" | "FAILED" | "RETRY_PENDING" | "PERMANENTLY_FAILED" | "REFUNDED" | "DISPUTE_OPEN" | "DISPUTE_RESOLVED";
                    vendorId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                amount: string;
                                amountMinor: number;
                                channel: string;
                                createdAt: string | null;
                                currency: string;
                                currentStatus: string;
                                escrowExpiresAt: string | null;
                                id: string;
                                kind: string;
                                lastError: {
                                    at: string;
                                    code: string;
                                    message: string;
                                } | null;
                                payerId: string;
                                position: string;
                                retryCount: number;
                                serviceContext: string | null;
                                status: string;
                                updatedAt: string | null;
                                vendorId: string;
                                version: number;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        /** Initiate a transaction */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        amount: number | string;
                        /** @enum {string} */
                        channel: "WEB" | "MOBILE" | "API" | "POS";
                        currency?: string;
                        /**
                         * @default PAYMENT
                         * @enum {string}
                         */
                        kind?: "TIP" | "BID_ADJUSTMENT" | "LOYALTY_CREDIT" | "PAYMENT";
                        /** Format: uuid */
                        payerId?: string;
                        /** @default {} */
                        payload?: {
                            [key: string]: unknown;
                        };
                        serviceContext?: string;
                        simulation?: {
                            dropExpiryNotification?: boolean;
                            escrowTtlMs?: number;
                            /** @enum {string} */
                            onHoldExpiry?: "release" | "void";
                            refundFailureRate?: number;
                            seed?: number;
                            successRate?: number;
                            webhook?: {
                                delayMs?: number;
                                dropRate?: number;
                                duplicateRate?: number;
                            };
                        };
                        /** Format: uuid */
                        vendorId: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A transaction now, or as of a version */
        get: {
            parameters: {
                query?: {
                    atVersion?: number;
                    minPosition?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/{id}/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deliver the gateway's confirmation now, through the webhook path */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/{id}/disputes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Open a dispute */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/{id}/disputes/resolve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resolve a dispute: WON keeps the funds, LOST charges back */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        outcome: "WON" | "LOST";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/{id}/error-stack": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The last error stack as plain text, 404 if none (seed route) */
        get: {
            parameters: {
                query?: {
                    minPosition?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The transaction's events in stream order, a page at a time (the cursor is the last version sent) */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    minPosition?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                data: unknown;
                                eventId: string;
                                metadata: {
                                    [key: string]: unknown;
                                };
                                position: string;
                                recordedAt: string;
                                schemaVersion: number;
                                streamId: string;
                                type: string;
                                version: number;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/{id}/force-retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Force a retry (seed route) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/transactions/{id}/open-dispute": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Open a dispute (seed route) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/transactions/{id}/refund": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Void the hold, or refund a completed or settled transaction */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                    } | null;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/{id}/resolve-dispute": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Resolve a dispute (seed route) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        outcome: "WON" | "LOST";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/transactions/{id}/retries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Retry history: traces of authorization and retry steps (seed route) */
        get: {
            parameters: {
                query?: {
                    minPosition?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            actor: {
                                id: string;
                                role: string;
                            } | null;
                            at: string;
                            attempt: number | null;
                            diff: ({
                                /** @enum {string} */
                                op: "add";
                                path: string;
                                value: unknown;
                            } | {
                                /** @enum {string} */
                                op: "remove";
                                path: string;
                            } | {
                                /** @enum {string} */
                                op: "replace";
                                path: string;
                                value: unknown;
                            })[];
                            dtoAfter: unknown;
                            dtoBefore: unknown;
                            durationMs: number | null;
                            error: {
                                message: string;
                                stack: string;
                            } | null;
                            position: string;
                            service: string | null;
                            step: string;
                            type: string;
                            version: number;
                        }[];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Force a retry */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/{id}/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The status as plain text (seed route) */
        get: {
            parameters: {
                query?: {
                    minPosition?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/{id}/traces": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** DTO before and after each step, with RFC 6902 diffs */
        get: {
            parameters: {
                query?: {
                    minPosition?: string;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                actor: {
                                    id: string;
                                    role: string;
                                } | null;
                                at: string;
                                attempt: number | null;
                                diff: ({
                                    /** @enum {string} */
                                    op: "add";
                                    path: string;
                                    value: unknown;
                                } | {
                                    /** @enum {string} */
                                    op: "remove";
                                    path: string;
                                } | {
                                    /** @enum {string} */
                                    op: "replace";
                                    path: string;
                                    value: unknown;
                                })[];
                                dtoAfter: unknown;
                                dtoBefore: unknown;
                                durationMs: number | null;
                                error: {
                                    message: string;
                                    stack: string;
                                } | null;
                                position: string;
                                service: string | null;
                                step: string;
                                type: string;
                                version: number;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/initiate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Initiate with the seed's request shape */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        amount: number;
                        /** @enum {string} */
                        channel: "WEB" | "MOBILE" | "API" | "POS";
                        currency?: string;
                        initialPayloadJson?: string;
                        serviceContext?: string;
                        simulatedSuccessRate?: number;
                        /** Format: uuid */
                        vendorId: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/transactions/retry-pending": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Transactions in RETRY_PENDING (seed route) */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    minPosition?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            amount: string;
                            amountMinor: number;
                            channel: string;
                            createdAt: string | null;
                            currency: string;
                            currentStatus: string;
                            escrowExpiresAt: string | null;
                            id: string;
                            kind: string;
                            lastError: {
                                at: string;
                                code: string;
                                message: string;
                            } | null;
                            payerId: string;
                            position: string;
                            retryCount: number;
                            serviceContext: string | null;
                            status: string;
                            updatedAt: string | null;
                            vendorId: string;
                            version: number;
                        }[];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhook-endpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Webhook endpoints (at most 100) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                createdAt: string;
                                description: string;
                                enabled: boolean;
                                /** @description empty: every type */
                                eventTypes: ("transaction.initiated" | "transaction.escrow_held" | "transaction.completed" | "transaction.failed" | "transaction.retry_scheduled" | "transaction.permanently_failed" | "transaction.refunded" | "transaction.refund_failed" | "transaction.settled" | "transaction.dispute_opened" | "transaction.dispute_resolved" | "transaction.overridden")[];
                                failures: {
                                    delayMs: number;
                                    dropRate: number;
                                    duplicateRate: number;
                                    reorder: boolean;
                                    slowRate: number;
                                };
                                id: string;
                                /** @description "…" and the last four characters of the secret */
                                secretHint: string;
                                updatedAt: string;
                                url: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Register an endpoint; the answer carries its signing secret, shown this once
         * @description Every transaction event of the endpoint's types is POSTed to its URL with
         *     `Content-Type: application/json`, `TrackTrove-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" with the endpoint's secret>`,
         *     `traceparent`, `TrackTrove-Delivery-Id`, `TrackTrove-Event-Id` and `User-Agent: TrackTrove-Webhooks/1`. A 2xx answer
         *     delivers it; anything else, a timeout or a connection error is retried with backoff on the sandbox clock (8 attempts).
         *     The body (docs/webhooks.md):
         *
         *     ```json
         *     {
         *       "$schema": "https://json-schema.org/draft/2020-12/schema",
         *       "type": "object",
         *       "properties": {
         *         "id": {
         *           "type": "string",
         *           "description": "the event id, evt_<uuid>; a duplicate delivery has the same"
         *         },
         *         "type": {
         *           "type": "string",
         *           "enum": [
         *             "transaction.initiated",
         *             "transaction.escrow_held",
         *             "transaction.completed",
         *             "transaction.failed",
         *             "transaction.retry_scheduled",
         *             "transaction.permanently_failed",
         *             "transaction.refunded",
         *             "transaction.refund_failed",
         *             "transaction.settled",
         *             "transaction.dispute_opened",
         *             "transaction.dispute_resolved",
         *             "transaction.overridden"
         *           ]
         *         },
         *         "createdAt": {
         *           "type": "string",
         *           "description": "sandbox time of the event"
         *         },
         *         "position": {
         *           "type": "string",
         *           "description": "the event position in the log"
         *         },
         *         "transactionId": {
         *           "type": "string"
         *         },
         *         "previousStatus": {
         *           "type": [
         *             "string",
         *             "null"
         *           ]
         *         },
         *         "data": {
         *           "type": "object",
         *           "properties": {
         *             "transaction": {
         *               "type": "object",
         *               "properties": {
         *                 "id": {
         *                   "type": "string"
         *                 },
         *                 "status": {
         *                   "type": "string"
         *                 },
         *                 "currentStatus": {
         *                   "type": "string"
         *                 },
         *                 "amount": {
         *                   "type": "string"
         *                 },
         *                 "amountMinor": {
         *                   "type": "integer",
         *                   "minimum": -9007199254740991,
         *                   "maximum": 9007199254740991
         *                 },
         *                 "currency": {
         *                   "type": "string"
         *                 },
         *                 "vendorId": {
         *                   "type": "string"
         *                 },
         *                 "payerId": {
         *                   "type": "string"
         *                 },
         *                 "channel": {
         *                   "type": "string"
         *                 },
         *                 "kind": {
         *                   "type": "string"
         *                 },
         *                 "serviceContext": {
         *                   "type": [
         *                     "string",
         *                     "null"
         *                   ]
         *                 },
         *                 "retryCount": {
         *                   "type": "integer",
         *                   "minimum": -9007199254740991,
         *                   "maximum": 9007199254740991
         *                 },
         *                 "version": {
         *                   "type": "integer",
         *                   "minimum": -9007199254740991,
         *                   "maximum": 9007199254740991
         *                 },
         *                 "position": {
         *                   "type": "string"
         *                 },
         *                 "createdAt": {
         *                   "type": [
         *                     "string",
         *                     "null"
         *                   ]
         *                 },
         *                 "updatedAt": {
         *                   "type": [
         *                     "string",
         *                     "null"
         *                   ]
         *                 },
         *                 "escrowExpiresAt": {
         *                   "type": [
         *                     "string",
         *                     "null"
         *                   ]
         *                 },
         *                 "lastError": {
         *                   "anyOf": [
         *                     {
         *                       "type": "object",
         *                       "properties": {
         *                         "code": {
         *                           "type": "string"
         *                         },
         *                         "message": {
         *                           "type": "string"
         *                         },
         *                         "at": {
         *                           "type": "string"
         *                         }
         *                       },
         *                       "required": [
         *                         "code",
         *                         "message",
         *                         "at"
         *                       ],
         *                       "additionalProperties": false
         *                     },
         *                     {
         *                       "type": "null"
         *                     }
         *                   ]
         *                 }
         *               },
         *               "required": [
         *                 "id",
         *                 "status",
         *                 "currentStatus",
         *                 "amount",
         *                 "amountMinor",
         *                 "currency",
         *                 "vendorId",
         *                 "payerId",
         *                 "channel",
         *                 "kind",
         *                 "serviceContext",
         *                 "retryCount",
         *                 "version",
         *                 "position",
         *                 "createdAt",
         *                 "updatedAt",
         *                 "escrowExpiresAt",
         *                 "lastError"
         *               ],
         *               "additionalProperties": false,
         *               "description": "as GET /api/transactions/:id shows it at that version"
         *             }
         *           },
         *           "required": [
         *             "transaction"
         *           ],
         *           "additionalProperties": false
         *         }
         *       },
         *       "required": [
         *         "id",
         *         "type",
         *         "createdAt",
         *         "position",
         *         "transactionId",
         *         "previousStatus",
         *         "data"
         *       ],
         *       "additionalProperties": false
         *     }
         *     ```
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        description?: string;
                        /** @description omitted or empty: every type */
                        eventTypes?: ("transaction.initiated" | "transaction.escrow_held" | "transaction.completed" | "transaction.failed" | "transaction.retry_scheduled" | "transaction.permanently_failed" | "transaction.refunded" | "transaction.refund_failed" | "transaction.settled" | "transaction.dispute_opened" | "transaction.dispute_resolved" | "transaction.overridden")[];
                        failures?: {
                            delayMs?: number;
                            dropRate?: number;
                            duplicateRate?: number;
                            reorder?: boolean;
                            slowRate?: number;
                        };
                        /** @description http or https; loopback hosts only, unless the host is in WEBHOOK_ALLOWED_HOSTS */
                        url: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            description: string;
                            enabled: boolean;
                            /** @description empty: every type */
                            eventTypes: ("transaction.initiated" | "transaction.escrow_held" | "transaction.completed" | "transaction.failed" | "transaction.retry_scheduled" | "transaction.permanently_failed" | "transaction.refunded" | "transaction.refund_failed" | "transaction.settled" | "transaction.dispute_opened" | "transaction.dispute_resolved" | "transaction.overridden")[];
                            failures: {
                                delayMs: number;
                                dropRate: number;
                                duplicateRate: number;
                                reorder: boolean;
                                slowRate: number;
                            };
                            id: string;
                            secret: string;
                            /** @description "…" and the last four characters of the secret */
                            secretHint: string;
                            updatedAt: string;
                            url: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhook-endpoints/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One endpoint */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            description: string;
                            enabled: boolean;
                            /** @description empty: every type */
                            eventTypes: ("transaction.initiated" | "transaction.escrow_held" | "transaction.completed" | "transaction.failed" | "transaction.retry_scheduled" | "transaction.permanently_failed" | "transaction.refunded" | "transaction.refund_failed" | "transaction.settled" | "transaction.dispute_opened" | "transaction.dispute_resolved" | "transaction.overridden")[];
                            failures: {
                                delayMs: number;
                                dropRate: number;
                                duplicateRate: number;
                                reorder: boolean;
                                slowRate: number;
                            };
                            id: string;
                            /** @description "…" and the last four characters of the secret */
                            secretHint: string;
                            updatedAt: string;
                            url: string;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete an endpoint; its deliveries stay readable */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": null;
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change an endpoint (url, description, eventTypes, failures, enabled) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        description?: string;
                        enabled?: boolean;
                        eventTypes?: ("transaction.initiated" | "transaction.escrow_held" | "transaction.completed" | "transaction.failed" | "transaction.retry_scheduled" | "transaction.permanently_failed" | "transaction.refunded" | "transaction.refund_failed" | "transaction.settled" | "transaction.dispute_opened" | "transaction.dispute_resolved" | "transaction.overridden")[];
                        failures?: {
                            delayMs?: number;
                            dropRate?: number;
                            duplicateRate?: number;
                            reorder?: boolean;
                            slowRate?: number;
                        };
                        url?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            createdAt: string;
                            description: string;
                            enabled: boolean;
                            /** @description empty: every type */
                            eventTypes: ("transaction.initiated" | "transaction.escrow_held" | "transaction.completed" | "transaction.failed" | "transaction.retry_scheduled" | "transaction.permanently_failed" | "transaction.refunded" | "transaction.refund_failed" | "transaction.settled" | "transaction.dispute_opened" | "transaction.dispute_resolved" | "transaction.overridden")[];
                            failures: {
                                delayMs: number;
                                dropRate: number;
                                duplicateRate: number;
                                reorder: boolean;
                                slowRate: number;
                            };
                            id: string;
                            /** @description "…" and the last four characters of the secret */
                            secretHint: string;
                            updatedAt: string;
                            url: string;
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/webhook-endpoints/{id}/redeliver-failed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** One more attempt of each failed delivery of the endpoint created since a time (at most 10,000) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** Format: date-time */
                        since: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            count: number;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhook-endpoints/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new signing secret, shown this once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            secret: string;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhooks/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every delivery attempt: request, response, status, dropped by injection or not, next retry; in the order deliveries were scheduled */
        get: {
            parameters: {
                query?: {
                    cursor?: string;
                    limit?: number;
                    minPosition?: string;
                    transactionId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                attemptCount: number;
                                attempts: {
                                    at: string;
                                    attempt: number;
                                    dropped: boolean;
                                    error: string | null;
                                    nextRetryAt: string | null;
                                    /** @enum {string} */
                                    outcome: "delivered" | "failed" | "dropped";
                                    request: {
                                        body: string;
                                        headers: {
                                            [key: string]: string;
                                        };
                                        url: string;
                                    } | null;
                                    response: {
                                        body: string;
                                        status: number;
                                    } | null;
                                    status: number | null;
                                }[];
                                createdAt: string;
                                dueAt: string;
                                id: string;
                                injection: {
                                    dropped: boolean;
                                    duplicateOf: string | null;
                                    extraDelayMs: number;
                                    reason: string | null;
                                };
                                nextRetryAt: string | null;
                                /** @enum {string} */
                                status: "scheduled" | "delivered" | "retrying" | "failed" | "dropped";
                                transactionId: string;
                                type: string;
                                url: string;
                                webhookId: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhooks/deliveries/{id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deliver a webhook again now */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            at: string;
                            attempt: number;
                            dropped: boolean;
                            error: string | null;
                            nextRetryAt: string | null;
                            /** @enum {string} */
                            outcome: "delivered" | "failed" | "dropped";
                            request: {
                                body: string;
                                headers: {
                                    [key: string]: string;
                                };
                                url: string;
                            } | null;
                            response: {
                                body: string;
                                status: number;
                            } | null;
                            status: number | null;
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhooks/gateway": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The gateway's callbacks, signed with TrackTrove-Signature: t=<unix s>,v1=<HMAC-SHA256 hex> */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Problem: {
            code: string;
            detail: string;
            errors: {
                message: string;
                path: string;
            }[];
            message: string;
            status: number;
            title: string;
            type: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
