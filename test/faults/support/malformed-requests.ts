import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { adminToken, webhookSecret } from './server-process.ts';

/**
 * Requests that are wrong by construction: each carries at least one defect that the contract says
 * must be refused (bad JSON, a wrong type, an out-of-range amount, an unknown enum, a bad uuid or
 * position, a bad header or token, an oversized body, a wrong method, a state the command cannot
 * apply to, a payload or a whole body nested up to 120,000 deep, text PostgreSQL cannot store). None may answer 5xx, and none may append an event.
 */
export interface MalformedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** What is wrong with it, for the failure message. */
  readonly defect: string;
}

/** Transactions the fuzzer aims commands at (created before the run). */
export interface Fixtures {
  /** In ESCROW, version 2: every command on it is refused only through a defect. */
  readonly escrowId: string;
  /** REFUNDED (terminal): every transition is a 409. */
  readonly refundedId: string;
}

const json = 'application/json';
const admin = `Bearer ${adminToken}`;

// ---- building blocks ----

const validInitiate = () => ({
  vendorId: randomUUID(),
  amount: '12.50',
  channel: 'API',
  kind: 'TIP',
  payload: {},
  simulation: { webhook: { delayMs: 86_400_000 } },
});

/** Amounts outside 1.00..500.00 or with more than 2 decimals, of every JSON type. */
const badAmount: fc.Arbitrary<unknown> = fc.oneof(
  fc.double({ noNaN: true }).filter((value) => !(value >= 1 && value <= 500)),
  fc.double({ min: 1, max: 500, noNaN: true }).filter((value) => Math.round(value * 100) / 100 !== value),
  fc.integer({ min: -1_000_000, max: 0 }),
  fc.integer({ min: 501 }),
  fc.constantFrom(
    '1e2',
    '1E2',
    'Infinity',
    '2.5e1',
    'NaN',
    'Infinity',
    '-Infinity',
    '-5',
    '0',
    '0.00',
    '0.99',
    '500.01',
    '12.505',
    '12,50',
    '12.5.0',
    'twelve',
    '',
    ' ',
    '0x10',
    '१२',
    '12.50 INR',
    '1_000',
    '99999999999999999999999',
  ),
  fc.integer({ min: 0, max: 1_000_000 }).map((n) => `${n}.${String(n % 1000).padStart(3, '0')}`),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);

const notUuid: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }).filter((value) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)),
  fc.uuid().map((value) => value.slice(0, 35)),
  fc.uuid().map((value) => `${value}0`),
  fc.uuid().map((value) => value.replace(/-/g, '')),
  fc.uuid().map((value) => value.replace(/[0-9a-f]$/i, 'g')),
);

/** Not a position: the API's are two 16-digit hex numbers joined by a dash. */
const notPosition: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }).filter((value) => value !== 'start' && value !== 'end' && !/^[0-9a-f]{16}-[0-9a-f]{16}$/.test(value)),
  fc.constantFrom(
    '-1',
    '0',
    '1e9',
    'ffffffffffffffff',
    '0000000000000000_0000000000000001',
    'zzzzzzzzzzzzzzzz-0000000000000000',
    '00000000000000001-000000000000000',
    'null',
    '[]',
  ),
  fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
);

const unknownEnum = (known: readonly string[]) =>
  fc
    .oneof(fc.string({ maxLength: 12 }), fc.constantFrom('fax', 'web', 'Tip', 'PAYMENT ', 'NULL', ''), fc.integer(), fc.constant(null))
    .filter((value) => !known.includes(value as string));

const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);

const anyValue = fc.jsonValue({ maxDepth: 2 });

/** Text sent as JSON that is not a JSON document. */
const brokenJson: fc.Arbitrary<string> = fc.oneof(
  fc
    .json()
    .filter((text) => text.length > 1)
    .map((text) => text.slice(0, Math.max(1, text.length - 1)) + (text.endsWith('}') ? '' : '{')),
  fc.constantFrom(
    '{',
    '{"amount": }',
    "{'vendorId': 'x'}",
    '{"a":1,}',
    'undefined',
    'NaN',
    '\u0000',
    '[1,2',
    '{"__proto__": ',
    '"unterminated',
  ),
  // Not the empty body: sent as application/json it means no body, which commands whose body is optional take.
  fc.string({ minLength: 1, maxLength: 60 }).filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  }),
);

/** Bodies whose JSON parses but is not an object (a command body must be one). */
const notObject = fc
  .oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.array(anyValue, { maxLength: 3 }), fc.constant(null), fc.boolean())
  .map((value) => JSON.stringify(value));

const badIdempotencyKey = fc.oneof(
  fc.constant(''),
  fc.string({ minLength: 256, maxLength: 400, unit: fc.constantFrom('a', 'b', '1', '-') }),
  fc.constantFrom('has space', 'tab\there', 'ünïcødé', 'a,b c'),
);

const badIfMatch = fc.oneof(
  fc.constantFrom('soon', '"v2"', '"*"', '"-1"', '"1.5"', '""', '"9999999999"', 'W/"x"', '0x2'),
  fc
    .string({ minLength: 1, maxLength: 12 })
    .filter((value) => !/^\s*(?:W\/)?"?\d{1,9}"?\s*$/.test(value) && value.trim() === value && value !== '*' && !/[\r\n\0]/.test(value)),
);

/** A version that cannot be the current one (the fixtures have fewer than 100 events). */
const staleIfMatch = fc.integer({ min: 100, max: 999_999_999 }).map((version) => `"${version}"`);

const badToken = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'bearer wrong',
    `Basic ${Buffer.from('admin:admin').toString('base64')}`,
    `Bearer ${adminToken}x`,
    `Bearer ${adminToken.slice(1)}`,
    'Token abc',
    `Bearer  ${adminToken} extra`,
  ),
  fc.string({ minLength: 1, maxLength: 60, unit: fc.constantFrom('a', 'Z', '0', '.', '_', '-') }).map((token) => `Bearer ${token}`),
);

const request = (method: string, path: string, defect: string, body?: unknown, headers: Record<string, string> = {}): MalformedRequest => ({
  method,
  path,
  defect,
  headers: body === undefined ? headers : { 'content-type': json, ...headers },
  body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
});

const withoutToken = (headers: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined));

// ---- per route ----

function initiateRequests(): fc.Arbitrary<MalformedRequest> {
  const field = <T>(name: string, values: fc.Arbitrary<T>) =>
    values.map((value) =>
      request('POST', '/api/transactions', `${name}=${JSON.stringify(value)?.slice(0, 80)}`, { ...validInitiate(), [name]: value }),
    );
  const simulation = <T>(name: string, values: fc.Arbitrary<T>) =>
    values.map((value) =>
      request('POST', '/api/transactions', `simulation.${name}`, { ...validInitiate(), simulation: { [name]: value } }),
    );
  return fc.oneof(
    { weight: 6, arbitrary: field('amount', badAmount) },
    { weight: 2, arbitrary: field('vendorId', notUuid) },
    { weight: 1, arbitrary: field('payerId', notUuid) },
    { weight: 2, arbitrary: field('channel', unknownEnum(['WEB', 'MOBILE', 'API', 'POS'])) },
    { weight: 1, arbitrary: field('kind', unknownEnum(['TIP', 'BID_ADJUSTMENT', 'LOYALTY_CREDIT', 'PAYMENT'])) },
    { weight: 2, arbitrary: field('currency', fc.oneof(fc.constantFrom('XYZ', 'inr ', 'IN', 'INRR', 'BTC', '€', '12'), wrongType)) },
    { weight: 1, arbitrary: field('payload', fc.oneof(fc.array(anyValue, { maxLength: 3 }), fc.string({ maxLength: 10 }), fc.integer())) },
    {
      weight: 1,
      arbitrary: field('serviceContext', fc.oneof(fc.string({ minLength: 501, maxLength: 600 }), fc.integer(), fc.object({ maxDepth: 0 }))),
    },
    {
      weight: 1,
      arbitrary: simulation(
        'successRate',
        fc.oneof(
          fc.double({ min: 1.0000001, max: 1e9, noNaN: true }),
          fc.double({ min: -1e9, max: -1e-9, noNaN: true }),
          fc.string({ maxLength: 4 }),
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: simulation(
        'escrowTtlMs',
        fc.oneof(
          fc.integer({ min: -1e9, max: 999 }),
          fc.integer({ min: 7 * 24 * 3_600_000 + 1 }),
          fc.double({ min: 1_000.1, max: 1e6, noInteger: true, noNaN: true }),
        ),
      ),
    },
    { weight: 1, arbitrary: simulation('onHoldExpiry', unknownEnum(['release', 'void'])) },
    {
      weight: 1,
      arbitrary: simulation(
        'webhook',
        fc.oneof(
          fc.record({ delayMs: fc.oneof(fc.integer({ min: 86_400_001 }), fc.integer({ max: -1 })) }),
          fc.record({ dropRate: fc.double({ min: 1.01, max: 1e6, noNaN: true }) }),
          fc.record({ unknown: fc.integer() }),
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: simulation(
        'seed',
        fc.oneof(
          fc.integer({ min: 2 ** 31 - 1 }).map((n) => n + 1 + (n % 1000)),
          fc.integer({ max: -1 }),
          fc.double({ noInteger: true, noNaN: true }),
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('vendorId', 'amount', 'channel').map((missing) => {
        const body: Record<string, unknown> = validInitiate();
        delete body[missing];
        return request('POST', '/api/transactions', `missing ${missing}`, body);
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .string({ minLength: 1, maxLength: 8 })
        .filter(
          (key) =>
            !['vendorId', 'payerId', 'amount', 'currency', 'channel', 'kind', 'payload', 'serviceContext', 'simulation'].includes(key),
        )
        .map((key) =>
          request('POST', '/api/transactions', 'unknown simulation field', {
            ...validInitiate(),
            simulation: { [key]: 1, escrowTtlMs: 5 },
          }),
        ),
    },
    { weight: 2, arbitrary: brokenJson.map((body) => request('POST', '/api/transactions', 'broken JSON', body)) },
    { weight: 1, arbitrary: notObject.map((body) => request('POST', '/api/transactions', 'JSON that is not an object', body)) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x')
        .map((type) =>
          request(
            'POST',
            '/api/transactions',
            `content-type ${type} with a valid body`,
            JSON.stringify({ ...validInitiate(), amount: '0' }),
            { 'content-type': type },
          ),
        ),
    },
    {
      weight: 2,
      arbitrary: badIdempotencyKey.map((key) =>
        request('POST', '/api/transactions', `Idempotency-Key ${JSON.stringify(key.slice(0, 20))}`, validInitiate(), {
          'idempotency-key': key,
        }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 66 * 1024, max: 100 * 1024 })
        .map((size) =>
          request('POST', '/api/transactions', 'payload over 64 KiB', { ...validInitiate(), payload: { blob: 'x'.repeat(size) } }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 257 * 1024, max: 400 * 1024 })
        .map((size) =>
          request('POST', '/api/transactions', 'body over the limit', { ...validInitiate(), payload: { blob: 'x'.repeat(size) } }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(badAmount, fc.oneof(fc.string({ maxLength: 10 }), fc.constant('[1]'), fc.constant('{')))
        .map(([amount, payload]) =>
          request('POST', '/api/transactions/initiate', 'seed shape: bad amount or payload json', {
            vendorId: randomUUID(),
            amount: typeof amount === 'number' ? amount : 0,
            currency: 'INR',
            channel: 'WEB',
            initialPayloadJson: payload,
            simulatedSuccessRate: 1,
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(fc.double({ min: 1.01, max: 1e6, noNaN: true }), fc.double({ max: -0.01, min: -1e6, noNaN: true })).map((rate) =>
        request('POST', '/api/transactions/initiate', 'seed shape: success rate out of range', {
          vendorId: randomUUID(),
          amount: 10,
          currency: 'INR',
          channel: 'WEB',
          initialPayloadJson: '{}',
          simulatedSuccessRate: rate,
        }),
      ),
    },
  );
}

function commandRequests(fixtures: Fixtures): fc.Arbitrary<MalformedRequest> {
  const commandPaths = ['retry', 'refund', 'disputes', 'disputes/resolve', 'confirm'] as const;
  const seedPaths = ['force-retry', 'open-dispute', 'resolve-dispute'] as const;
  const validBodyOf = (command: string) =>
    command === 'disputes/resolve' || command === 'resolve-dispute'
      ? { outcome: 'WON' }
      : command === 'retry' || command === 'confirm' || command === 'force-retry'
        ? undefined
        : { reason: 'fuzz' };
  const { escrowId, refundedId } = fixtures;
  return fc.oneof(
    // a path id that is not a uuid
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...commandPaths), notUuid)
        .map(([command, id]) =>
          request('POST', `/api/transactions/${encodeURIComponent(id)}/${command}`, `id ${JSON.stringify(id)}`, validBodyOf(command) ?? {}),
        ),
    },
    // an unknown transaction
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...commandPaths), fc.uuid())
        .map(([command, id]) => request('POST', `/api/transactions/${id}/${command}`, 'unknown transaction', validBodyOf(command) ?? {})),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...seedPaths), fc.oneof(notUuid, fc.uuid()))
        .map(([command, id]) =>
          request(
            'PATCH',
            `/api/transactions/${encodeURIComponent(id)}/${command}`,
            'seed route, unknown or bad id',
            validBodyOf(command) ?? {},
          ),
        ),
    },
    // a terminal transaction: every transition is invalid
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...commandPaths)
        .map((command) =>
          request('POST', `/api/transactions/${refundedId}/${command}`, 'refunded transaction', validBodyOf(command) ?? {}),
        ),
    },
    // ESCROW: only the defect stops it
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...commandPaths), staleIfMatch).map(([command, version]) =>
        request('POST', `/api/transactions/${escrowId}/${command}`, `stale If-Match ${version}`, validBodyOf(command) ?? {}, {
          'if-match': version,
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...commandPaths), badIfMatch).map(([command, value]) =>
        request('POST', `/api/transactions/${escrowId}/${command}`, `bad If-Match ${JSON.stringify(value)}`, validBodyOf(command) ?? {}, {
          'if-match': value,
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...commandPaths), badIdempotencyKey).map(([command, key]) =>
        request('POST', `/api/transactions/${escrowId}/${command}`, `bad Idempotency-Key on ${command}`, validBodyOf(command) ?? {}, {
          'idempotency-key': key,
        }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.record({ reason: wrongType.filter((value) => typeof value !== 'string' && value !== undefined) }),
          fc.record({ reason: fc.string({ minLength: 1001, maxLength: 1200, unit: fc.constant('r') }) }),
        )
        .map((body) => request('POST', `/api/transactions/${escrowId}/refund`, 'refund reason of a wrong type or too long', body)),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.constant({}), fc.record({ reason: wrongType.filter((value) => typeof value !== 'string') }))
        .map((body) =>
          request(
            'POST',
            `/api/transactions/${escrowId}/disputes`,
            'dispute without a string reason (and ESCROW cannot be disputed)',
            body,
          ),
        ),
    },
    {
      weight: 1,
      arbitrary: unknownEnum(['WON', 'LOST']).map((outcome) =>
        request('POST', `/api/transactions/${escrowId}/disputes/resolve`, `outcome ${JSON.stringify(outcome)}`, { outcome }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(brokenJson, notObject)
        .map((body) => request('POST', `/api/transactions/${escrowId}/refund`, 'refund body not a JSON object', body)),
    },
    // admin override
    {
      weight: 2,
      arbitrary: badToken.map((token) =>
        request(
          'POST',
          `/api/admin/transactions/${escrowId}/override`,
          `override with token ${token ?? '(none)'}`,
          { status: 'FAILED', reason: 'fuzz' },
          withoutToken({ authorization: token }),
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: unknownEnum([
        'INITIATED',
        'ESCROW',
        'COMPLETED',
        'SETTLED',
        'FAILED',
        'RETRY_PENDING',
        'PERMANENTLY_FAILED',
        'REFUNDED',
        'DISPUTE_OPEN',
        'DISPUTE_RESOLVED',
      ]).map((status) =>
        request(
          'POST',
          `/api/admin/transactions/${escrowId}/override`,
          `override to ${JSON.stringify(status)}`,
          { status, reason: 'fuzz' },
          { authorization: admin },
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('FAILED', 'COMPLETED')
        .map((status) =>
          request(
            'POST',
            `/api/admin/transactions/${escrowId}/override`,
            'override without a reason',
            { status },
            { authorization: admin },
          ),
        ),
    },
  );
}

function readRequests(fixtures: Fixtures): fc.Arbitrary<MalformedRequest> {
  const q = (value: unknown) => encodeURIComponent(String(value));
  // A limit is digits only: ' 5', '+5' and '1e2' are as malformed as 'abc'.
  const badLimit = fc.oneof(
    fc.integer({ max: 0 }),
    fc.integer({ min: 501 }),
    fc.double({ noInteger: true, noNaN: true }),
    fc.constantFrom('abc', '', '1e3', '-0', ' 0', '5 x', ' 5', '5 ', '+5', '5.0', '0x10', '1e2'),
  );
  return fc.oneof(
    // Not the empty id: GET /api/transactions/ is the list, a valid read.
    fc
      .tuple(
        fc.constantFrom('', '/events', '/traces', '/retries', '/status', '/error-stack'),
        notUuid.filter((id) => id !== ''),
      )
      .map(([suffix, id]) => request('GET', `/api/transactions/${encodeURIComponent(id)}${suffix}`, 'bad id')),
    badLimit.map((limit) => request('GET', `/api/transactions?limit=${q(limit)}`, 'bad limit')),
    unknownEnum([
      'INITIATED',
      'ESCROW',
      'COMPLETED',
      'SETTLED',
      'FAILED',
      'RETRY_PENDING',
      'PERMANENTLY_FAILED',
      'REFUNDED',
      'DISPUTE_OPEN',
      'DISPUTE_RESOLVED',
    ]).map((status) => request('GET', `/api/transactions?status=${q(status)}`, 'unknown status filter')),
    notUuid.map((vendorId) => request('GET', `/api/transactions?vendorId=${q(vendorId)}`, 'bad vendorId filter')),
    fc.string({ maxLength: 50 }).map((cursor) => request('GET', `/api/transactions?cursor=${q(cursor)}`, 'junk cursor')),
    fc
      .oneof(fc.integer({ max: 0 }), fc.constantFrom('x', '1.5', ''))
      .map((version) => request('GET', `/api/transactions/${fixtures.escrowId}?atVersion=${q(version)}`, 'bad atVersion')),
    fc
      .tuple(
        fc.constantFrom(
          '/api/transactions',
          `/api/transactions/${fixtures.escrowId}`,
          '/api/ledger',
          '/api/ledger/balances',
          '/api/events',
          `/api/ledger/${fixtures.escrowId}`,
        ),
        notPosition,
      )
      .map(([path, position]) => request('GET', `${path}?minPosition=${q(position)}`, 'bad minPosition')),
    notPosition.map((position) => request('GET', `/api/events?from=${q(position)}`, 'bad from')),
    badLimit.map((limit) => request('GET', `/api/events?limit=${q(limit)}`, 'bad events limit')),
    fc
      .string({ minLength: 201, maxLength: 260 })
      .map((streamId) => request('GET', `/api/events?streamId=${q(streamId)}`, 'streamId too long')),
    notPosition.map((position) => request('GET', `/api/ledger/balances?asOf=${q(position)}`, 'bad asOf')),
    fc
      .string({ maxLength: 30 })
      .filter((type) => !['ESCROW', 'SETTLEMENT', 'REFUND', 'CHARGEBACK'].includes(type))
      .map((type) => request('GET', `/api/ledger?type=${q(type)}`, 'unknown entry type')),
    fc.string({ minLength: 1, maxLength: 30 }).map((account) => request('GET', `/api/ledger?account=${q(`${account} !`)}`, 'bad account')),
    notPosition.map((position) => request('GET', `/api/stream?from=${q(position)}`, 'stream without upgrade, bad from')),
    notUuid.map((id) => request('GET', `/api/webhooks/deliveries?transactionId=${q(id)}`, 'bad deliveries filter')),
  );
}

function adminRequests(): fc.Arbitrary<MalformedRequest> {
  const routes: Array<[string, string, unknown]> = [
    ['GET', '/api/admin/clock', undefined],
    ['POST', '/api/admin/clock/advance', { ms: 60_000 }],
    ['POST', '/api/admin/settlement/run', {}],
    ['GET', '/api/admin/settlement/batches', undefined],
    ['GET', '/api/admin/failures', undefined],
    ['PUT', '/api/admin/failures', {}],
    ['GET', '/api/admin/projections', undefined],
    ['POST', '/api/admin/projections/transactions/rebuild', undefined],
    ['POST', '/api/admin/verify', undefined],
    ['POST', '/api/admin/settlement/candidates/sync', { transactionIds: [randomUUID()] }],
  ];
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom(...routes), badToken)
        .map(([[method, path, body], token]) =>
          request(method, path, `token ${token ?? '(none)'}`, body, withoutToken({ authorization: token })),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.record({
            ms: fc.oneof(
              fc.integer({ max: 0 }),
              fc.integer({ min: 1, max: 2 ** 30 }).map((n) => 366 * 24 * 3_600_000 + n),
              fc.double({ noInteger: true, noNaN: true }),
              fc.string({ maxLength: 5 }),
            ),
          }),
          fc.record({ to: fc.oneof(fc.string({ maxLength: 30 }), fc.integer()) }),
          fc.record({ ms: fc.constant(1000), to: fc.constant('2030-01-01T00:00:00Z') }),
          fc.constant({}),
          fc.record({ minutes: fc.integer() }),
        )
        .map((body) => request('POST', '/api/admin/clock/advance', 'bad clock advance', body, { authorization: admin })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.string({ maxLength: 12 }).filter((value) => !/^\d{4}-\d{2}-\d{2}$/.test(value)),
          fc.constantFrom('2025-13-01', '2025-02-30', '20250101'),
          fc.integer(),
        )
        .map((date) =>
          request('POST', '/api/admin/settlement/run', 'bad settlement date', { settlementDate: date }, { authorization: admin }),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          fc.record({ successRate: fc.oneof(fc.double({ min: 1.01, max: 1e9, noNaN: true }), fc.string({ maxLength: 3 })) }),
          fc.record({ redisDown: fc.oneof(fc.string({ maxLength: 3 }), fc.integer()) }),
          fc.record({ webhook: fc.record({ dropRate: fc.double({ min: 1.01, max: 10, noNaN: true }) }) }),
          fc
            .string({ minLength: 1, maxLength: 10 })
            .filter(
              (key) =>
                !['successRate', 'webhook', 'redisDown', 'dropExpiryNotification', 'gatewayLatencyMs', 'refundFailureRate'].includes(key),
            )
            .map((key) => ({ [key]: true })),
        )
        .map((body) => request('PUT', '/api/admin/failures', 'bad failure settings', body, { authorization: admin })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(brokenJson, notObject)
        .map((body) => request('PUT', '/api/admin/failures', 'failure settings not an object', body, { authorization: admin })),
    },
    {
      weight: 1,
      arbitrary: fc
        .string({ minLength: 1, maxLength: 20, unit: fc.constantFrom('x', 'y', '-', '1') })
        .map((name) =>
          request('POST', `/api/admin/projections/nope-${name}/rebuild`, 'unknown projection', undefined, { authorization: admin }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.integer({ max: 0 }), fc.integer({ min: 501 }), fc.constant('x'))
        .map((limit) =>
          request('GET', `/api/admin/settlement/batches?limit=${limit}`, 'bad batches limit', undefined, { authorization: admin }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constant({}),
          fc.constant({ transactionIds: [] }),
          fc.record({ transactionIds: fc.array(notUuid, { minLength: 1, maxLength: 3 }) }),
          fc.constant({ transactionIds: Array.from({ length: 1001 }, () => randomUUID()) }),
          fc.record({ transactionIds: fc.string({ maxLength: 5 }) }),
          fc.constant({ transactionIds: [randomUUID()], more: true }),
        )
        .map((body) => request('POST', '/api/admin/settlement/candidates/sync', 'bad candidate sync', body, { authorization: admin })),
    },
  );
}

function webhookRequests(fixtures: Fixtures): fc.Arbitrary<MalformedRequest> {
  const body = (transactionId: string) =>
    JSON.stringify({ id: `evt_${randomUUID()}`, type: 'payment.confirmed', transactionId, createdAt: new Date().toISOString() });
  const sign = (payload: string, at: number, secret = webhookSecret) =>
    `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${payload}`).digest('hex')}`;
  const now = () => Math.floor(Date.now() / 1000);
  return fc.oneof(
    fc.constant(undefined).map(() => request('POST', '/api/webhooks/gateway', 'no signature', body(fixtures.escrowId))),
    fc.string({ maxLength: 80 }).map((signature) =>
      request('POST', '/api/webhooks/gateway', 'junk signature', body(fixtures.escrowId), {
        'trackTrove-signature': signature.replace(/[\r\n\0]/g, '') || 'x',
      }),
    ),
    fc.integer({ min: 301, max: 100_000 }).map((age) => {
      const payload = body(fixtures.escrowId);
      return request('POST', '/api/webhooks/gateway', `stale signature (${age} s)`, payload, {
        'trackTrove-signature': sign(payload, now() - age),
      });
    }),
    fc.integer({ min: 1_000, max: 100_000 }).map((ahead) => {
      const payload = body(fixtures.escrowId);
      return request('POST', '/api/webhooks/gateway', `future signature (${ahead} s)`, payload, {
        'trackTrove-signature': sign(payload, now() + ahead),
      });
    }),
    fc.constant(undefined).map(() => {
      const payload = body(fixtures.escrowId);
      return request('POST', '/api/webhooks/gateway', 'signed with another secret', payload, {
        'trackTrove-signature': sign(payload, now(), 'another-secret-0123456789'),
      });
    }),
    fc.constant(undefined).map(() => {
      const payload = body(fixtures.escrowId);
      return request(
        'POST',
        '/api/webhooks/gateway',
        'signature of another body',
        payload.replace('payment.confirmed', 'refund.succeeded'),
        { 'trackTrove-signature': sign(payload, now()) },
      );
    }),
    fc
      .oneof(
        brokenJson,
        notObject,
        fc.constant(JSON.stringify({ id: 'evt_x', type: 'payment.exploded', transactionId: fixtures.escrowId, createdAt: 'x' })),
      )
      .map((payload) =>
        request('POST', '/api/webhooks/gateway', 'correctly signed bad body', payload, { 'trackTrove-signature': sign(payload, now()) }),
      ),
    fc.uuid().map((id) => {
      const payload = body(id);
      return request('POST', '/api/webhooks/gateway', 'correctly signed, unknown transaction', payload, {
        'trackTrove-signature': sign(payload, now()),
      });
    }),
    fc
      .oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }))
      .map((id) => request('POST', `/api/webhooks/deliveries/${encodeURIComponent(id)}/redeliver`, 'unknown delivery', undefined)),
  );
}

/** Text PostgreSQL cannot store: a NUL, or a UTF-16 surrogate without its pair. */
const unstorableText: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\udc00b'), fc.string({ maxLength: 8 }))
  .map(([before, bad, after]) => `${before}${bad}${after}`);

/** A JSON object nested `depth` levels deep, built as text (a parser may not recurse that far). */
const nestedJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** `[[[...]]]`, `depth` levels: 2 bytes a level, so 120,000 levels stay under the 256 KiB body limit. */
const nestedArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Bodies nested up to 120,000 deep, the body limit's worth, to every kind of route: none may take the event loop. */
function deeplyNestedRequests(fixtures: Fixtures): fc.Arbitrary<MalformedRequest> {
  const depth = fc.oneof(fc.integer({ min: 129, max: 2_000 }), fc.integer({ min: 2_000, max: 120_000 }));
  const initiateText = JSON.stringify(validInitiate());
  return fc.oneof(
    fc
      .tuple(depth, fc.constantFrom('/x', '/api/nowhere', '/api/transactions/x/y/z'))
      .map(([levels, path]) => request('POST', path, `${levels} levels to no route`, nestedArray(levels))),
    depth.map((levels) => request('POST', '/api/transactions', `a body of ${levels} levels`, nestedArray(levels))),
    depth.map((levels) =>
      request(
        'POST',
        '/api/transactions',
        `payload of ${levels} levels of arrays`,
        initiateText.replace('"payload":{}', `"payload":${nestedArray(levels)}`),
      ),
    ),
    depth.map((levels) =>
      request('POST', '/api/transactions/initiate', `initialPayloadJson of ${levels} levels of arrays`, {
        vendorId: randomUUID(),
        amount: 10,
        channel: 'WEB',
        initialPayloadJson: nestedArray(levels),
      }),
    ),
    depth.map((levels) =>
      request(
        'POST',
        `/api/transactions/${fixtures.escrowId}/refund`,
        `refund body of ${levels} levels`,
        `{"reason":${nestedArray(levels)}}`,
      ),
    ),
    depth.map((levels) =>
      request('PUT', '/api/admin/failures', `failure settings of ${levels} levels`, `{"webhook":${nestedArray(levels)}}`, {
        authorization: admin,
      }),
    ),
    depth.map((levels) => request('POST', '/api/webhooks/gateway', `webhook of ${levels} levels`, nestedArray(levels))),
  );
}

/** Inputs that are well-formed JSON and URLs but hostile in content: deep nesting, unstorable text, out-of-range positions. */
function hostileRequests(fixtures: Fixtures): fc.Arbitrary<MalformedRequest> {
  const { escrowId } = fixtures;
  const initiateText = JSON.stringify(validInitiate());
  const beyondLog = fc.constantFrom(
    'ffffffffffffffff-ffffffffffffffff',
    '0000000000000001-8000000000000000',
    '7fffffffffffffff-ffffffffffffffff',
  );
  const now = () => Math.floor(Date.now() / 1000);
  return fc.oneof(
    fc
      .integer({ min: 65, max: 4_000 })
      .map((depth) =>
        request(
          'POST',
          '/api/transactions',
          `payload nested ${depth} deep`,
          initiateText.replace('"payload":{}', `"payload":${nestedJson(depth)}`),
        ),
      ),
    fc.integer({ min: 65, max: 4_000 }).map((depth) =>
      request('POST', '/api/transactions/initiate', `seed payload nested ${depth} deep`, {
        vendorId: randomUUID(),
        amount: 10,
        channel: 'WEB',
        initialPayloadJson: nestedJson(depth),
      }),
    ),
    unstorableText.map((text) =>
      request('POST', '/api/transactions', 'serviceContext PostgreSQL cannot store', { ...validInitiate(), serviceContext: text }),
    ),
    unstorableText.map((text) =>
      request('POST', '/api/transactions', 'payload key PostgreSQL cannot store', { ...validInitiate(), payload: { [text]: 1 } }),
    ),
    unstorableText.map((text) =>
      request('POST', '/api/transactions', 'payload value PostgreSQL cannot store', { ...validInitiate(), payload: { note: [text] } }),
    ),
    unstorableText.map((text) =>
      request('POST', `/api/transactions/${escrowId}/refund`, 'refund reason PostgreSQL cannot store', { reason: text }),
    ),
    // A NUL. (Not a surrogate's bytes as UTF-8, %ED%A0%80: the query parser reads that ill-formed
    // escape as text PostgreSQL takes, so it names a stream that does not exist, a valid read.)
    fc
      .constantFrom('%00', 'a%00b', '%00x', 'x%00')
      .map((text) => request('GET', `/api/events?streamId=${text}`, 'streamId PostgreSQL cannot store')),
    fc.constant(undefined).map(() => request('POST', `/api/transactions/${escrowId}/refund`, 'JSON null as the refund body', 'null')),
    fc
      .tuple(
        fc.constantFrom(
          '/api/events?from=',
          '/api/ledger/balances?asOf=',
          '/api/transactions?minPosition=',
          '/api/events?minPosition=',
          `/api/webhooks/deliveries?minPosition=`,
        ),
        beyondLog,
      )
      .map(([prefix, position]) => request('GET', `${prefix}${position}`, 'a position beyond what the log can hold')),
    fc
      .constantFrom('%', '%E0%A4%A', '%zz', '%C0%AF')
      .map((broken) => request('GET', `/api/transactions/${broken}`, 'broken percent-encoding in the path')),
    fc
      .integer({ min: 201, max: 2_000 })
      .map((length) =>
        request('POST', `/api/transactions/${'a'.repeat(length)}/refund`, `path segment of ${length} characters`, { reason: 'fuzz' }),
      ),
    unstorableText.map((text) => {
      const payload = JSON.stringify({
        id: `evt_${text}`,
        type: 'payment.confirmed',
        transactionId: escrowId,
        createdAt: new Date().toISOString(),
      });
      const at = now();
      return request('POST', '/api/webhooks/gateway', 'correctly signed webhook with an unstorable id', payload, {
        'trackTrove-signature': `t=${at},v1=${createHmac('sha256', webhookSecret).update(`${at}.${payload}`).digest('hex')}`,
      });
    }),
  );
}

function wrongMethodRequests(fixtures: Fixtures): fc.Arbitrary<MalformedRequest> {
  const paths = [
    '/api/transactions',
    `/api/transactions/${fixtures.escrowId}`,
    `/api/transactions/${fixtures.escrowId}/events`,
    `/api/transactions/${fixtures.escrowId}/refund`,
    `/api/transactions/${fixtures.escrowId}/confirm`,
    '/api/events',
    '/api/ledger',
    '/api/ledger/balances',
    '/api/admin/clock/advance',
    '/api/admin/verify',
    '/api/admin/failures',
    '/api/webhooks/gateway',
    '/health',
    '/ready',
    '/metrics',
    '/api/nowhere',
    '/api/transactions/x/y/z',
  ];
  const allowed: Record<string, string[]> = {
    '/api/transactions': ['GET', 'POST'],
    [`/api/transactions/${fixtures.escrowId}`]: ['GET'],
    [`/api/transactions/${fixtures.escrowId}/events`]: ['GET'],
    [`/api/transactions/${fixtures.escrowId}/refund`]: ['POST'],
    [`/api/transactions/${fixtures.escrowId}/confirm`]: ['POST'],
    '/api/events': ['GET'],
    '/api/ledger': ['GET'],
    '/api/ledger/balances': ['GET'],
    '/api/admin/clock/advance': ['POST'],
    '/api/admin/verify': ['POST'],
    '/api/admin/failures': ['GET', 'PUT'],
    '/api/webhooks/gateway': ['POST'],
    '/health': ['GET'],
    '/ready': ['GET'],
    '/metrics': ['GET'],
  };
  return fc
    .tuple(
      fc.constantFrom(...paths),
      fc.constantFrom('DELETE', 'PUT', 'PATCH', 'POST', 'GET', 'OPTIONS'),
      fc.option(anyValue, { nil: undefined }),
    )
    .filter(([path, method]) => !(allowed[path] ?? []).includes(method) && !(method === 'OPTIONS'))
    .map(([path, method, body]) =>
      request(method, path, `${method} not allowed`, method === 'GET' ? undefined : (body ?? {}), { authorization: admin }),
    );
}

export function malformedRequests(fixtures: Fixtures): fc.Arbitrary<MalformedRequest> {
  return fc.oneof(
    { weight: 30, arbitrary: initiateRequests() },
    { weight: 25, arbitrary: commandRequests(fixtures) },
    { weight: 15, arbitrary: readRequests(fixtures) },
    { weight: 15, arbitrary: adminRequests() },
    { weight: 10, arbitrary: webhookRequests(fixtures) },
    { weight: 5, arbitrary: wrongMethodRequests(fixtures) },
    { weight: 8, arbitrary: hostileRequests(fixtures) },
    { weight: 3, arbitrary: deeplyNestedRequests(fixtures) },
  );
}
