import type { ReactNode } from 'react';
import { ErrorBanner } from './Banner.tsx';
import { Button } from './Button.tsx';
import { SkeletonRows } from './Loading.tsx';

export type Column<T> = {
  header: ReactNode;
  cell: (row: T) => ReactNode;
  className?: string;
  /** A visually hidden header, for columns of buttons. */
  isHeaderHidden?: boolean;
};

/**
 * A table with the states every list needs: skeleton rows while loading, an error banner with retry,
 * an empty state, and "Load more" for cursor-paged lists.
 */
export function DataTable<T>({
  label,
  columns,
  rows,
  rowKey,
  isLoading,
  error,
  onRetry,
  empty,
  hasMore = false,
  isLoadingMore = false,
  onLoadMore,
  rowClassName,
}: {
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  isLoading: boolean;
  error?: unknown;
  onRetry?: () => void;
  empty: ReactNode;
  hasMore?: boolean;
  isLoadingMore?: boolean;
  onLoadMore?: () => void;
  /** A class for one row, e.g. to flag overdue requests. */
  rowClassName?: (row: T) => string | undefined;
}) {
  const hasError = error !== undefined && error !== null;
  if (hasError && rows.length === 0 && !isLoading) {
    return (
      <div className="card-body">
        <ErrorBanner error={error} onRetry={onRetry} />
      </div>
    );
  }
  if (!isLoading && rows.length === 0) return <>{empty}</>;
  return (
    <>
      <div className="table-wrap">
        <table className="table" aria-label={label} aria-busy={isLoading || undefined}>
          <thead>
            <tr>
              {columns.map((column, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: columns are static per table
                <th key={index} scope="col" className={column.className}>
                  {column.isHeaderHidden ? <span className="visually-hidden">{column.header}</span> : column.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {isLoading ? (
              <SkeletonRows columns={columns.length} />
            ) : (
              rows.map((row) => (
                <tr key={rowKey(row)} className={rowClassName?.(row)}>
                  {columns.map((column, index) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: columns are static per table
                    <td key={index} className={column.className}>
                      {column.cell(row)}
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {hasError && rows.length > 0 ? (
        <div className="card-body">
          <ErrorBanner error={error} onRetry={onRetry} />
        </div>
      ) : null}
      {hasMore && !isLoading ? (
        <div className="list-footer">
          <Button onClick={onLoadMore} isLoading={isLoadingMore}>
            Load more
          </Button>
        </div>
      ) : null}
    </>
  );
}
