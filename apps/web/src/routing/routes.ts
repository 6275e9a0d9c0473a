/** Hash routes: #/transactions, #/transactions/:id, #/ledger, #/feed, #/webhooks, #/admin, #/settings. */
export type Route =
  | { screen: 'transactions' }
  | { screen: 'transaction'; id: string }
  | { screen: 'ledger' }
  | { screen: 'feed' }
  | { screen: 'webhooks' }
  | { screen: 'admin' }
  | { screen: 'settings' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('?')[0]!.split('/').filter(Boolean);
  const [first, second] = parts;
  if (first === 'transactions' && second) return { screen: 'transaction', id: decodeURIComponent(second) };
  if (first === 'ledger' || first === 'feed' || first === 'webhooks' || first === 'admin' || first === 'settings') return { screen: first };
  return { screen: 'transactions' };
}

export function hrefFor(route: Route): string {
  return route.screen === 'transaction' ? `#/transactions/${encodeURIComponent(route.id)}` : `#/${route.screen}`;
}

export function navigate(route: Route): void {
  location.hash = hrefFor(route);
}
