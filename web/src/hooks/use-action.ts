import { ApiError } from '@surplus/api-client';
import { useCallback, useRef, useState } from 'react';

export type Action<I, O> = {
  run(input: I): Promise<O | undefined>;
  isRunning: boolean;
  error: unknown;
  /** The server's message for one form field (`fields[].field`), or undefined. */
  fieldError(name: string): string | undefined;
  /** The error to show in a banner: null when every problem is shown next to its field. */
  bannerError: unknown;
  reset(): void;
};

/**
 * Runs a write (a form submit, a button) and keeps its state: running, and the API's error split
 * into per-field messages for the fields this form shows (`fields`) and the rest for a banner.
 */
export function useAction<I, O>(perform: (input: I) => Promise<O>, fields: readonly string[] = []): Action<I, O> {
  const [isRunning, setIsRunning] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const performRef = useRef(perform);
  performRef.current = perform;

  const run = useCallback(async (input: I) => {
    setIsRunning(true);
    setError(undefined);
    try {
      return await performRef.current(input);
    } catch (failure) {
      setError(failure);
      return undefined;
    } finally {
      setIsRunning(false);
    }
  }, []);

  const fieldErrors = error instanceof ApiError ? error.fields : [];
  const fieldError = (name: string) =>
    fieldErrors.find((f) => f.field === name || f.field.startsWith(`${name}.`) || f.field.split(',').includes(name))?.message;
  const isAllInline =
    fieldErrors.length > 0 && fieldErrors.every((f) => fields.some((name) => f.field === name || f.field.startsWith(`${name}.`)));
  const reset = useCallback(() => setError(undefined), []);
  return { run, isRunning, error, fieldError, bannerError: isAllInline ? null : (error ?? null), reset };
}
