import { useCallback, useEffect, useRef, useState } from 'react';

export type Page<T> = { items: T[]; next_cursor: string | null };

export type PagedList<T> = {
  items: T[];
  error: unknown;
  isLoading: boolean;
  isLoadingMore: boolean;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
  setItems(update: (items: T[]) => T[]): void;
};

/**
 * A cursor-paged list with "Load more". `key` names the query (filters, search): a new key starts
 * again from the first page; answers for an older key are dropped.
 */
export function usePagedList<T>(key: string, loadPage: (cursor: string | undefined) => Promise<Page<T>>): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [isLoading, setIsLoading] = useState(true);
  const [isLoadingMore, setIsLoadingMore] = useState(false);
  const [version, setVersion] = useState(0);
  const loadRef = useRef(loadPage);
  loadRef.current = loadPage;
  const generation = useRef(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: key and version are the triggers; the loader is read from a ref
  useEffect(() => {
    const mine = ++generation.current;
    setIsLoading(true);
    setError(undefined);
    loadRef.current(undefined).then(
      (page) => {
        if (mine !== generation.current) return;
        setItems(page.items);
        setCursor(page.next_cursor);
        setIsLoading(false);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setItems([]);
        setCursor(null);
        setError(failure);
        setIsLoading(false);
      },
    );
  }, [key, version]);

  const loadMore = useCallback(() => {
    if (!cursor) return;
    const mine = generation.current;
    setIsLoadingMore(true);
    setError(undefined);
    loadRef.current(cursor).then(
      (page) => {
        if (mine !== generation.current) return;
        setItems((current) => [...current, ...page.items]);
        setCursor(page.next_cursor);
        setIsLoadingMore(false);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setError(failure);
        setIsLoadingMore(false);
      },
    );
  }, [cursor]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { items, error, isLoading, isLoadingMore, hasMore: cursor !== null, loadMore, reload, setItems };
}
