export function Spinner({ isLarge = false, label }: { isLarge?: boolean; label?: string }) {
  const spinner = <span className={isLarge ? 'spinner spinner-lg' : 'spinner'} aria-hidden="true" />;
  if (!label) return spinner;
  return (
    <span role="status">
      {spinner}
      <span className="visually-hidden">{label}</span>
    </span>
  );
}

export function PageLoading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="page-loading" role="status">
      <Spinner isLarge />
      <span>{label}</span>
    </div>
  );
}

export function Skeleton({ width = '100%', height = 12 }: { width?: string | number; height?: number }) {
  return <span className="skeleton" style={{ width, height }} aria-hidden="true" />;
}

/** Placeholder rows while a table loads, shaped like the real rows so the page does not jump. */
export function SkeletonRows({ columns, rows = 4 }: { columns: number; rows?: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, row) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows have no identity
        <tr key={row}>
          {Array.from({ length: columns }, (_, column) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholder cells have no identity
            <td key={column}>
              <Skeleton width={column === 0 ? '70%' : '50%'} />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}
