export function formatNumber(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const abs = Math.abs(value);
  if (abs >= 100_000) return Math.round(value).toLocaleString('en-US');
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** ours ÷ reference, or undefined where either side is missing or the division says nothing. */
export function ratio(ours: number | null | undefined, reference: number | null | undefined): number | undefined {
  if (ours === null || ours === undefined || reference === null || reference === undefined) return undefined;
  if (Number.isNaN(ours) || Number.isNaN(reference)) return undefined;
  if (reference === 0) return ours === 0 ? 1 : undefined;
  return ours / reference;
}

export function formatRatio(value: number | undefined, better: 'lower' | 'higher' | 'none'): string {
  if (value === undefined) return '—';
  const text = `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
  if (better === 'none' || value === 1) return text;
  const good = better === 'lower' ? value < 1 : value > 1;
  return `${text} ${good ? '✓' : '✗'}`;
}
