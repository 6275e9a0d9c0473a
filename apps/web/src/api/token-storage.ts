/** The bearer token lives in localStorage so it survives reloads. */

const tokenKey = 'tracktrove.token';
const listeners = new Set<(token: string) => void>();

export function readToken(): string {
  try {
    return localStorage.getItem(tokenKey) ?? '';
  } catch {
    return '';
  }
}

export function saveToken(token: string): void {
  const trimmed = token.trim();
  try {
    if (trimmed) localStorage.setItem(tokenKey, trimmed);
    else localStorage.removeItem(tokenKey);
  } catch {
    // Private mode: the token lasts for this page only.
  }
  for (const listener of listeners) listener(trimmed);
}

export function onTokenChange(listener: (token: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
