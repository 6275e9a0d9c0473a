import { hrefFor } from '../routing/routes.ts';
import { useLiveStream } from '../stream/stream-context.tsx';

/** Says why the live stream is not running when the server refuses its token, and where to set one. */
export function StreamRefusalNotice() {
  const { snapshot } = useLiveStream();
  const refusal = snapshot.refusal;
  if (!refusal) return null;
  const headline =
    refusal.status === 403
      ? 'The live stream needs a token with a higher role.'
      : refusal.tokenSent
        ? 'The server refused this browser’s token for the live stream.'
        : 'The live stream needs a token: this server requires one.';
  return (
    <div
      className="notice notice-warn"
      role="alert"
      data-testid="stream-token-needed"
      data-status={refusal.status}
      data-token-sent={refusal.tokenSent}
    >
      <div className="notice-title">
        <span className="mono notice-status">{refusal.status}</span>
        <strong>{headline}</strong>
      </div>
      {refusal.detail && (
        <div className="notice-detail" data-testid="stream-refusal-detail">
          {refusal.detail}
        </div>
      )}
      <div className="notice-advice">
        Enter a token with at least the <b>viewer</b> role (<code>TRACKTROVE_VIEWER_TOKEN</code>, or the operator or admin token) in{' '}
        <a href={hrefFor({ screen: 'settings' })} data-testid="stream-token-settings-link">
          Settings
        </a>
        . The stream stops trying until then and reconnects as soon as a token is saved.
      </div>
    </div>
  );
}
