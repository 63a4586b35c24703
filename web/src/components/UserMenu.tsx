import { useEffect, useId, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useSession } from '../session.tsx';
import { Avatar } from './Avatar.tsx';
import { Icon } from './Icon.tsx';

/** The account menu in the top bar; a disclosure that closes on Escape, outside clicks and navigation. */
export function UserMenu() {
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  const [isOpen, setIsOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!isOpen) return;
    const onPointer = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setIsOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setIsOpen(false);
        buttonRef.current?.focus();
      }
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    rootRef.current?.querySelector<HTMLElement>('.menu-item')?.focus();
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [isOpen]);

  if (!user) return null;
  const close = () => setIsOpen(false);
  return (
    <div className="user-menu" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="user-menu-button"
        aria-expanded={isOpen}
        aria-controls={menuId}
        aria-label={`Account menu for ${user.name}`}
        onClick={() => setIsOpen((open) => !open)}
      >
        <Avatar name={user.name} />
        <span>{user.name}</span>
        <Icon name="chevronDown" size={14} />
      </button>
      {isOpen ? (
        <div className="menu" id={menuId}>
          <div className="menu-header">
            <div className="cell-title">{user.name}</div>
            <div className="small muted">{user.email}</div>
          </div>
          <Link className="menu-item" to="/profile" onClick={close}>
            Your profile
          </Link>
          <Link className="menu-item" to="/profile/keys" onClick={close}>
            SSH keys
          </Link>
          <Link className="menu-item" to="/profile/tokens" onClick={close}>
            API tokens
          </Link>
          <a className="menu-item" href="/api/docs">
            API documentation
          </a>
          <button
            type="button"
            className="menu-item"
            onClick={async () => {
              close();
              await signOut().catch(() => undefined);
              navigate('/login', { replace: true });
            }}
          >
            Sign out
          </button>
        </div>
      ) : null}
    </div>
  );
}
