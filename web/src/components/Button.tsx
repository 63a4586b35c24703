import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { Link, type LinkProps } from 'react-router';
import { Spinner } from './Loading.tsx';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'danger-solid' | 'ghost';

function classes(variant: ButtonVariant, size: 'md' | 'sm', isBlock: boolean, extra?: string) {
  return ['btn', `btn-${variant}`, size === 'sm' ? 'btn-sm' : '', isBlock ? 'btn-block' : '', extra ?? ''].filter(Boolean).join(' ');
}

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: ButtonVariant;
  size?: 'md' | 'sm';
  isBlock?: boolean;
  /** Shows a spinner and blocks clicks while the action runs. */
  isLoading?: boolean;
  children: ReactNode;
};

export function Button({
  variant = 'secondary',
  size = 'md',
  isBlock = false,
  isLoading = false,
  type = 'button',
  className,
  disabled,
  children,
  ...rest
}: ButtonProps) {
  return (
    <button
      type={type}
      className={classes(variant, size, isBlock, className)}
      disabled={disabled || isLoading}
      aria-busy={isLoading || undefined}
      {...rest}
    >
      {isLoading ? <Spinner /> : null}
      {children}
    </button>
  );
}

export function ButtonLink({
  variant = 'secondary',
  size = 'md',
  isBlock = false,
  className,
  ...rest
}: LinkProps & { variant?: ButtonVariant; size?: 'md' | 'sm'; isBlock?: boolean }) {
  return <Link className={classes(variant, size, isBlock, className)} {...rest} />;
}

/** A link to a server route (SSO start pages): a full navigation, not a client-side one. */
export function ButtonAnchor({
  variant = 'secondary',
  size = 'md',
  isBlock = false,
  className,
  ...rest
}: React.AnchorHTMLAttributes<HTMLAnchorElement> & { variant?: ButtonVariant; size?: 'md' | 'sm'; isBlock?: boolean }) {
  return <a className={classes(variant, size, isBlock, className)} {...rest} />;
}
