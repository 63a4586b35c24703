import { type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes, useId } from 'react';
import { Icon } from './Icon.tsx';

type ControlProps = { id: string; 'aria-invalid': boolean | undefined; 'aria-describedby': string | undefined };

/**
 * A labelled form control with an optional hint and an inline error. The error is tied to the
 * control with aria-describedby and aria-invalid, so screen readers announce it with the field.
 */
export function Field({
  label,
  hint,
  error,
  isOptional = false,
  children,
}: {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  isOptional?: boolean;
  children: (control: ControlProps) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
        {isOptional ? <span className="optional"> (optional)</span> : null}
      </label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {error ? (
        <div className="field-error" id={errorId}>
          <Icon name="alert" size={14} />
          <span>{error}</span>
        </div>
      ) : null}
      {hint ? (
        <div className="field-hint" id={hintId}>
          {hint}
        </div>
      ) : null}
    </div>
  );
}

type Common = { label: ReactNode; hint?: ReactNode; error?: string; isOptional?: boolean };

export function TextField({ label, hint, error, isOptional, className, ...input }: Common & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field label={label} hint={hint} error={error} isOptional={isOptional}>
      {(control) => <input className={['input', className].filter(Boolean).join(' ')} {...control} {...input} />}
    </Field>
  );
}

export function TextAreaField({
  label,
  hint,
  error,
  isOptional,
  className,
  ...textarea
}: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <Field label={label} hint={hint} error={error} isOptional={isOptional}>
      {(control) => <textarea className={['textarea', className].filter(Boolean).join(' ')} {...control} {...textarea} />}
    </Field>
  );
}

export function SelectField({
  label,
  hint,
  error,
  isOptional,
  children,
  ...select
}: Common & SelectHTMLAttributes<HTMLSelectElement> & { children: ReactNode }) {
  return (
    <Field label={label} hint={hint} error={error} isOptional={isOptional}>
      {(control) => (
        <select className="select" {...control} {...select}>
          {children}
        </select>
      )}
    </Field>
  );
}

export function Checkbox({
  label,
  hint,
  ...input
}: { label: ReactNode; hint?: ReactNode } & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>) {
  return (
    <label className="check">
      <input type="checkbox" {...input} />
      <span>
        <span className="check-label">{label}</span>
        {hint ? <span className="field-hint">{hint}</span> : null}
      </span>
    </label>
  );
}

/** An on/off setting; a checkbox underneath, announced as a switch. */
export function Switch({
  label,
  hint,
  ...input
}: { label: ReactNode; hint?: ReactNode } & Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'role'>) {
  return (
    <label className="switch">
      <input type="checkbox" role="switch" aria-checked={Boolean(input.checked)} {...input} />
      <span>
        <span className="check-label">{label}</span>
        {hint ? <span className="field-hint">{hint}</span> : null}
      </span>
    </label>
  );
}
