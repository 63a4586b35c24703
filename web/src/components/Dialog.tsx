import { createContext, type FormEvent, type ReactNode, useCallback, useContext, useEffect, useId, useRef, useState } from 'react';
import { Button } from './Button.tsx';
import { Icon } from './Icon.tsx';

/**
 * A modal on the native <dialog>: showModal() makes the rest of the page inert, traps focus, closes
 * on Escape and returns focus to what opened it, which hand-made overlays tend to get wrong.
 */
export function Dialog({
  isOpen,
  title,
  onClose,
  children,
  footer,
  onSubmit,
}: {
  isOpen: boolean;
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  /** Makes the dialog a form: Enter in a field submits it. */
  onSubmit?: (event: FormEvent<HTMLFormElement>) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (isOpen && !dialog.open) dialog.showModal();
    if (!isOpen && dialog.open) dialog.close();
  }, [isOpen]);

  const content = (
    <>
      <div className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="btn btn-ghost btn-sm" onClick={onClose} aria-label="Close">
          <Icon name="x" />
        </button>
      </div>
      <div className="dialog-body">{children}</div>
      {footer ? <div className="dialog-footer">{footer}</div> : null}
    </>
  );

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {isOpen ? (
        onSubmit ? (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              onSubmit(event);
            }}
          >
            {content}
          </form>
        ) : (
          content
        )
      ) : null}
    </dialog>
  );
}

type ConfirmRequest = {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  isDanger?: boolean;
};

const ConfirmContext = createContext<((request: ConfirmRequest) => Promise<boolean>) | null>(null);

/** One confirmation dialog for the app: `await confirm({...})` resolves true when confirmed. */
export function ConfirmProvider({ children }: { children: ReactNode }) {
  const [request, setRequest] = useState<ConfirmRequest | null>(null);
  const resolver = useRef<((isConfirmed: boolean) => void) | null>(null);

  const confirm = useCallback((next: ConfirmRequest) => {
    resolver.current?.(false);
    setRequest(next);
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
    });
  }, []);

  const finish = (isConfirmed: boolean) => {
    resolver.current?.(isConfirmed);
    resolver.current = null;
    setRequest(null);
  };

  return (
    <ConfirmContext.Provider value={confirm}>
      {children}
      <Dialog
        isOpen={request !== null}
        title={request?.title ?? ''}
        onClose={() => finish(false)}
        onSubmit={() => finish(true)}
        footer={
          <>
            <Button onClick={() => finish(false)}>Cancel</Button>
            <Button type="submit" variant={request?.isDanger ? 'danger-solid' : 'primary'} autoFocus>
              {request?.confirmLabel ?? 'Confirm'}
            </Button>
          </>
        }
      >
        {request?.body}
      </Dialog>
    </ConfirmContext.Provider>
  );
}

export function useConfirm() {
  const confirm = useContext(ConfirmContext);
  if (!confirm) throw new Error('useConfirm outside ConfirmProvider');
  return confirm;
}
