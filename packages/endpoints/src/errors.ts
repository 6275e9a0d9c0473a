import { ValidationError } from '@tracktrove/domain';

export class EndpointNotFoundError extends Error {
  readonly code = 'not_found' as const;
  constructor(what: 'webhook endpoint' | 'endpoint delivery', id: string) {
    super(`no ${what} ${id}`);
    this.name = 'EndpointNotFoundError';
  }
}

/** Creating one more endpoint than the limit (HTTP 409; nothing changes). */
export class EndpointLimitError extends Error {
  readonly code = 'endpoint_limit_reached' as const;
  constructor(limit: number) {
    super(`at most ${limit} webhook endpoints may exist; delete one first`);
    this.name = 'EndpointLimitError';
  }
}

/** Bad input naming its field (HTTP 400). */
export const fieldError = (path: string, message: string) => new ValidationError([{ path, message }]);
