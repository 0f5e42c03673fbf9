/** Display helpers: KRW in whole won with separators (no floats: core/money), times in the browser's zone. */
import { Decimal, groupThousands } from '../../core/money.js';

export function krw(value: string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  try {
    return groupThousands(new Decimal(value).toFixed(0));
  } catch {
    return value;
  }
}

export function decimal(value: string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  try {
    const [int = '', frac] = new Decimal(value).toFixed().split('.');
    return frac === undefined ? groupThousands(int) : `${groupThousands(int)}.${frac}`;
  } catch {
    return value;
  }
}

export function when(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
