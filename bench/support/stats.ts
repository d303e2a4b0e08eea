/** Median and spread of repeated measurements. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** 25th and 75th percentiles, linearly interpolated. */
  p25: number;
  p75: number;
  samples: number;
}

/** Returns the q-quantile (0 to 1) of `values`, interpolating between neighbours. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('Cannot take a quantile of no values.');
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

export function summarize(values: readonly number[]): Summary {
  return {
    median: quantile(values, 0.5),
    min: Math.min(...values),
    max: Math.max(...values),
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
    samples: values.length,
  };
}

/** Formats a summary as "median (min–max)" with `digits` decimals and a unit. */
export function formatSummary(summary: Summary, unit = '', digits = 2): string {
  const value = (n: number) => n.toFixed(digits);
  const suffix = unit ? ` ${unit}` : '';
  return `${value(summary.median)}${suffix} (${value(summary.min)}–${value(summary.max)})`;
}

/**
 * A goal stated as a ratio measured in the same run: met when the median of
 * the per-round ratios is at most `limit` (or at least, for `atLeast`).
 */
export interface Goal {
  name: string;
  ratio: Summary;
  limit: number;
  comparison: 'atMost' | 'atLeast';
}

/** Returns whether `goal` is met, allowing `tolerance` (0.25 for 25 %) of slack in the goal's favour. */
export function goalMet(goal: Goal, tolerance = 0): boolean {
  return goal.comparison === 'atMost' ? goal.ratio.median <= goal.limit * (1 + tolerance) : goal.ratio.median >= goal.limit / (1 + tolerance);
}

export function formatGoal(goal: Goal): string {
  const sign = goal.comparison === 'atMost' ? '≤' : '≥';
  return `${goal.name}: ${formatSummary(goal.ratio, '', 3)}, goal ${sign} ${goal.limit} — ${goalMet(goal) ? 'met' : 'NOT met'}`;
}

/** Result of one benchmark: figures for the record and the goals checked. */
export interface BenchResult {
  name: string;
  /** Set when the benchmark could not run, with the reason. */
  skipped?: string;
  figures: Record<string, string>;
  goals: Goal[];
}

/** Returns `items` rotated by `round`, so no variant always runs first in an interleaved round. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const offset = round % items.length;
  return [...items.slice(offset), ...items.slice(0, offset)];
}
