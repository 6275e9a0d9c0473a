/** One line: the message, or for an error without one (a refused connection) its parts and code. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const nested = (error as { errors?: unknown }).errors;
  let message = error.message;
  if (message === '' && Array.isArray(nested) && nested[0] instanceof Error)
    message = nested.map((inner: Error) => inner.message).join('; ');
  const code = (error as { code?: unknown }).code;
  if (message === '' && typeof code === 'string') message = code;
  return (message || error.name).replace(/\s*\n\s*/g, ' ');
}
