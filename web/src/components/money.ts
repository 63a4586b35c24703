const formats = new Map<string, Intl.NumberFormat>();

function formatFor(currency: string, isWhole: boolean): Intl.NumberFormat {
  const key = `${currency}:${isWhole}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: isWhole ? 0 : 2,
      maximumFractionDigits: isWhole ? 0 : 2,
    });
    formats.set(key, format);
  }
  return format;
}

/** "$1,095.00": money is integer cents everywhere; this is the only place it becomes a display string. */
export function formatCents(cents: number, currency = 'USD'): string {
  return formatFor(currency, false).format(cents / 100);
}

/** "$1.2M", "$48k", "$950": for chart labels and tight table cells where the exact cents do not matter. */
export function formatCentsShort(cents: number, currency = 'USD'): string {
  const dollars = cents / 100;
  const size = Math.abs(dollars);
  const symbol = formatFor(currency, true)
    .formatToParts(0)
    .find((part) => part.type === 'currency')?.value;
  const sign = dollars < 0 ? '−' : '';
  if (size >= 1_000_000) return `${sign}${symbol}${trim(size / 1_000_000)}M`;
  if (size >= 10_000) return `${sign}${symbol}${trim(size / 1_000)}k`;
  return formatFor(currency, true).format(dollars).replace('-', '−');
}

function trim(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, '');
}

/** What someone typed as dollars ("1,250.5", "$300") as integer cents; null when it is not an amount. */
export function centsFromInput(text: string): number | null {
  const cleaned = text.replace(/[$,\s]/g, '');
  if (!/^\d+(\.\d{0,2})?$/.test(cleaned)) return null;
  return Math.round(Number(cleaned) * 100);
}

/** Integer cents as the plain dollar amount a money input starts with ("1095", "1095.5"). */
export function inputFromCents(cents: number): string {
  return (cents / 100).toFixed(2).replace(/\.00$/, '');
}
