import { useEffect, useState } from 'react';
import { onTokenChange, readToken } from '../api/token-storage.ts';
import { hrefFor, type Route } from '../routing/routes.ts';
import { StreamIndicator } from './stream-indicator.tsx';

const tabs: { screen: Route['screen']; label: string }[] = [
  { screen: 'transactions', label: 'Transactions' },
  { screen: 'ledger', label: 'Ledger' },
  { screen: 'feed', label: 'Live feed' },
  { screen: 'webhooks', label: 'Webhooks' },
  { screen: 'admin', label: 'Admin' },
  { screen: 'settings', label: 'Settings' },
];

export function TopBar({ route }: { route: Route }) {
  const [hasToken, setHasToken] = useState(() => readToken() !== '');
  useEffect(() => onTokenChange((token) => setHasToken(token !== '')), []);
  const active = route.screen === 'transaction' ? 'transactions' : route.screen;
  return (
    <header className="top-bar">
      <a className="brand" href="#/transactions">
        <span className="brand-mark">◆</span> TrackTrove <span className="dim">trace viewer</span>
      </a>
      <nav className="tabs">
        {tabs.map((tab) => (
          <a
            key={tab.screen}
            href={hrefFor({ screen: tab.screen } as Route)}
            className={tab.screen === active ? 'tab active' : 'tab'}
            data-testid={`nav-${tab.screen}`}
          >
            {tab.label}
          </a>
        ))}
      </nav>
      <div className="top-bar-right">
        <a href="#/settings" className={hasToken ? 'token-chip' : 'token-chip token-none'} data-testid="token-chip">
          {hasToken ? 'token set' : 'no token'}
        </a>
        <a href="/docs" target="_blank" rel="noreferrer" className="dim">
          API docs
        </a>
        <StreamIndicator />
      </div>
    </header>
  );
}
