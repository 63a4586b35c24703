import type { ReactNode } from 'react';
import { BrandMark } from '../../components/Icon.tsx';

export function AuthLayout({ title, children, footer }: { title: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <main className="auth-page" id="main">
      <div className="auth-box">
        <div className="auth-brand">
          <BrandMark size={26} />
          <h1>{title}</h1>
        </div>
        <div className="card auth-card">{children}</div>
        {footer ? <div className="auth-alt">{footer}</div> : null}
      </div>
    </main>
  );
}

/** Where to go after signing in: only a path on this site, never another origin. */
export function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') && !next.startsWith('/signup') ? next : '/projects';
}
