/** An unknown id (HTTP 404). */
export class NotFoundError extends Error {
  readonly code = 'not_found' as const;
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} not found`);
    this.name = 'NotFoundError';
  }
}
