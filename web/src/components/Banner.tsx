import { ApiError } from '@surplus/api-client';
import type { ReactNode } from 'react';
import { Button } from './Button.tsx';
import { Icon } from './Icon.tsx';

export function Banner({
  tone,
  title,
  children,
  actions,
}: {
  tone: 'error' | 'info' | 'success' | 'warning';
  title?: ReactNode;
  children?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <Icon name={tone === 'success' ? 'check' : tone === 'info' ? 'info' : 'alert'} />
      <div className="banner-body">
        {title ? <div className="banner-title">{title}</div> : null}
        {children}
      </div>
      {actions}
    </div>
  );
}

/**
 * Shows a failed request as the API explained it, with the error code and the request id, which is
 * what an operator needs to find the request in the server's logs.
 */
export function ErrorBanner({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  if (error === undefined || error === null) return null;
  const isApi = error instanceof ApiError;
  const message = error instanceof Error ? error.message : String(error);
  const isNetwork = !isApi && error instanceof TypeError;
  return (
    <Banner
      tone="error"
      title={title ?? (isNetwork ? 'Surplus cannot be reached' : 'Something went wrong')}
      actions={
        onRetry ? (
          <Button size="sm" onClick={onRetry}>
            Try again
          </Button>
        ) : null
      }
    >
      <div>{isNetwork ? 'Check your connection and try again.' : message}</div>
      {isApi ? (
        <div className="banner-meta">
          <span className="mono">{error.code}</span>
          {error.requestId ? (
            <>
              {' · request id '}
              <span className="mono" data-testid="request-id">
                {error.requestId}
              </span>
            </>
          ) : null}
        </div>
      ) : null}
    </Banner>
  );
}
