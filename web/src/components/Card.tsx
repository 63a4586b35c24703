import type { ReactNode } from 'react';

export function Card({
  title,
  description,
  actions,
  footer,
  isFlush = false,
  isDanger = false,
  id,
  children,
}: {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  footer?: ReactNode;
  /** For tables and lists that run edge to edge. */
  isFlush?: boolean;
  isDanger?: boolean;
  id?: string;
  children: ReactNode;
}) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className={isDanger ? 'card card-danger' : 'card'} id={id} aria-labelledby={title ? headingId : undefined}>
      {title || actions ? (
        <div className="card-header">
          <div>
            {title ? <h2 id={headingId}>{title}</h2> : null}
            {description ? <p>{description}</p> : null}
          </div>
          {actions ? <div className="btn-row">{actions}</div> : null}
        </div>
      ) : null}
      <div className={isFlush ? 'card-body-flush' : 'card-body'}>{children}</div>
      {footer ? <div className="card-footer">{footer}</div> : null}
    </section>
  );
}
