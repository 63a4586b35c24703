/**
 * Money for people. The API keeps every amount in integer cents with an ISO 4217 currency; the CLI
 * only formats them, it never computes with them.
 */

const formats = new Map<string, Intl.NumberFormat>();

/** "$1,234.56", "-$5.00"; a currency Intl does not know shows as "1,234.56 XYZ" rather than failing. */
export function formatCents(cents: number, currency = 'USD'): string {
  let format = formats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat('en-US', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' });
    } catch {
      return `${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
    }
    formats.set(currency, format);
  }
  return format.format(cents / 100);
}

/** A share as "12.5%"; of a zero whole it is a dash rather than a division by zero. */
export function formatShare(part: number, whole: number): string {
  if (whole === 0) return '-';
  return `${Math.round((part / whole) * 1000) / 10}%`;
}
