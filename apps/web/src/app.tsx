import { StreamProvider } from './stream/stream-context.tsx';
import { useHashRoute } from './routing/use-hash-route.ts';
import type { Route } from './routing/routes.ts';
import { TopBar } from './components/top-bar.tsx';
import { UnreachableBanner } from './components/unreachable-banner.tsx';
import { TransactionsScreen } from './screens/transactions/transactions-screen.tsx';
import { TransactionDetailScreen } from './screens/transaction-detail/transaction-detail-screen.tsx';
import { LedgerScreen } from './screens/ledger/ledger-screen.tsx';
import { FeedScreen } from './screens/feed/feed-screen.tsx';
import { AdminScreen } from './screens/admin/admin-screen.tsx';
import { WebhooksScreen } from './screens/webhooks/webhooks-screen.tsx';
import { SettingsScreen } from './screens/settings/settings-screen.tsx';

export function App() {
  const route = useHashRoute();
  return (
    <StreamProvider>
      <div className="app">
        <TopBar route={route} />
        <UnreachableBanner />
        <main className="screen" data-testid={`screen-${route.screen}`}>
          <Screen route={route} />
        </main>
      </div>
    </StreamProvider>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'transactions':
      return <TransactionsScreen />;
    case 'transaction':
      return <TransactionDetailScreen key={route.id} id={route.id} />;
    case 'ledger':
      return <LedgerScreen />;
    case 'feed':
      return <FeedScreen />;
    case 'webhooks':
      return <WebhooksScreen />;
    case 'admin':
      return <AdminScreen />;
    case 'settings':
      return <SettingsScreen />;
  }
}
