import { useCallback, useEffect, useRef, useState } from 'react';

export type Resource<T> = {
  data: T | undefined;
  error: unknown;
  isLoading: boolean;
  reload(): void;
  /** Replaces the loaded value with what a write returned, without another round trip. */
  setData(update: (current: T | undefined) => T | undefined): void;
};

/**
 * Loads one thing for a page. `key` names what is loaded: when it changes the load runs again, and an
 * answer for an older key is dropped so a slow response cannot overwrite a newer one.
 */
export function useResource<T>(key: string, load: () => Promise<T>): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; isLoading: boolean }>({
    data: undefined,
    error: undefined,
    isLoading: true,
  });
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: key and version are the triggers; the loader is read from a ref
  useEffect(() => {
    let isCurrent = true;
    setState((current) => ({ ...current, error: undefined, isLoading: true }));
    loadRef.current().then(
      (data) => isCurrent && setState({ data, error: undefined, isLoading: false }),
      (error: unknown) => isCurrent && setState((current) => ({ ...current, error, isLoading: false })),
    );
    return () => {
      isCurrent = false;
    };
  }, [key, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const setData = useCallback(
    (update: (current: T | undefined) => T | undefined) => setState((current) => ({ ...current, data: update(current.data) })),
    [],
  );
  return { ...state, reload, setData };
}
