/**
 * A small Prometheus registry: counters, histograms and gauges with labels, rendered in
 * the text exposition format 0.0.4. Written here rather than depending on prom-client,
 * since the gateway needs only these three kinds.
 */

/** The Content-Type of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Latency buckets in seconds: 5 ms to 10 s. */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type Labels = Readonly<Record<string, string>>;

export interface Counter {
  inc(labels?: Labels, value?: number): void;
}

export interface Histogram {
  observe(labels: Labels, value: number): void;
}

export interface Gauge {
  set(labels: Labels, value: number): void;
}

interface MetricOptions {
  readonly name: string;
  readonly help: string;
  /** Every sample carries exactly these labels, in this order. @default [] */
  readonly labelNames?: readonly string[];
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, ascending; `+Inf` is added. @default DEFAULT_DURATION_BUCKETS */
  readonly buckets?: readonly number[];
}

export interface MetricsRegistry {
  counter(options: MetricOptions): Counter;
  histogram(options: HistogramOptions): Histogram;
  gauge(options: MetricOptions): Gauge;
  /** Runs before every render(), to sample values such as process memory into gauges. */
  beforeRender(collect: () => void): void;
  /** The whole registry in the text exposition format, ending in a newline. */
  render(): string;
}

/** Label values escape backslash, double quote and line feed (exposition format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed. */
export function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value: integers as such, infinities as +Inf/-Inf. */
export function formatValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  return String(value);
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function renderLabels(pairs: ReadonlyArray<readonly [string, string]>): string {
  if (pairs.length === 0) return '';
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram' | 'gauge';
  readonly labelNames: readonly string[];
  render(lines: string[]): void;
}

/** The label values in declared order; a missing or extra label is a programming error. */
function valuesOf(name: string, labelNames: readonly string[], labels: Labels): string[] {
  const keys = Object.keys(labels);
  if (keys.length !== labelNames.length || labelNames.some((label) => typeof labels[label] !== 'string')) {
    throw new Error(`${name}: labels must be exactly [${labelNames.join(', ')}], got [${keys.join(', ')}]`);
  }
  return labelNames.map((label) => labels[label] as string);
}

export function createMetricsRegistry(): MetricsRegistry {
  const families = new Map<string, Family>();
  const collectors: Array<() => void> = [];

  function register(family: Family): void {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name: ${family.name}`);
    for (const label of family.labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le') throw new Error(`${family.name}: invalid label name ${label}`);
    }
    if (families.has(family.name)) throw new Error(`metric already registered: ${family.name}`);
    families.set(family.name, family);
  }

  /** Series keyed by their label values joined with a separator no escaped value contains unescaped. */
  const keyOf = (values: readonly string[]) => JSON.stringify(values);

  function scalar(type: 'counter' | 'gauge', options: MetricOptions) {
    const labelNames = options.labelNames ?? [];
    const series = new Map<string, { values: string[]; value: number }>();
    register({
      name: options.name,
      help: options.help,
      type,
      labelNames,
      render(lines) {
        for (const { values, value } of series.values()) {
          lines.push(`${options.name}${renderLabels(labelNames.map((label, i) => [label, values[i] as string]))} ${formatValue(value)}`);
        }
      },
    });
    return (labels: Labels, update: (previous: number) => number) => {
      const values = valuesOf(options.name, labelNames, labels);
      const key = keyOf(values);
      const entry = series.get(key);
      if (entry) entry.value = update(entry.value);
      else series.set(key, { values, value: update(0) });
    };
  }

  return {
    counter(options) {
      const update = scalar('counter', options);
      return {
        inc(labels = {}, value = 1) {
          if (!(value >= 0)) throw new Error(`${options.name}: a counter only goes up`);
          update(labels, (previous) => previous + value);
        },
      };
    },
    gauge(options) {
      const update = scalar('gauge', options);
      return { set: (labels, value) => update(labels, () => value) };
    },
    histogram(options) {
      const labelNames = options.labelNames ?? [];
      const buckets = [...(options.buckets ?? DEFAULT_DURATION_BUCKETS)];
      if (buckets.some((bound, i) => !Number.isFinite(bound) || (i > 0 && bound <= (buckets[i - 1] as number)))) {
        throw new Error(`${options.name}: buckets must be finite and strictly ascending`);
      }
      const series = new Map<string, { values: string[]; counts: number[]; sum: number; count: number }>();
      register({
        name: options.name,
        help: options.help,
        type: 'histogram',
        labelNames,
        render(lines) {
          for (const { values, counts, sum, count } of series.values()) {
            const pairs = labelNames.map((label, i) => [label, values[i] as string] as const);
            // Buckets are cumulative: each counts every observation at or below its bound.
            let cumulative = 0;
            buckets.forEach((bound, i) => {
              cumulative += counts[i] as number;
              lines.push(`${options.name}_bucket${renderLabels([...pairs, ['le', formatValue(bound)]])} ${cumulative}`);
            });
            lines.push(`${options.name}_bucket${renderLabels([...pairs, ['le', '+Inf']])} ${count}`);
            lines.push(`${options.name}_sum${renderLabels(pairs)} ${formatValue(sum)}`);
            lines.push(`${options.name}_count${renderLabels(pairs)} ${count}`);
          }
        },
      });
      return {
        observe(labels, value) {
          const values = valuesOf(options.name, labelNames, labels);
          const key = keyOf(values);
          let entry = series.get(key);
          if (!entry) {
            entry = { values, counts: buckets.map(() => 0), sum: 0, count: 0 };
            series.set(key, entry);
          }
          const index = buckets.findIndex((bound) => value <= bound);
          if (index >= 0) entry.counts[index] = (entry.counts[index] as number) + 1;
          entry.sum += value;
          entry.count += 1;
        },
      };
    },
    beforeRender(collect) {
      collectors.push(collect);
    },
    render() {
      for (const collect of collectors) collect();
      const lines: string[] = [];
      for (const family of families.values()) {
        lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
        lines.push(`# TYPE ${family.name} ${family.type}`);
        family.render(lines);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}

/**
 * Bounds a label's distinct values: the first `max` values seen pass through, any later
 * one becomes `overflow`, so a client sending random operation names cannot grow the
 * registry without limit.
 */
export function createLabelCap(max: number, overflow = 'other'): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return overflow;
    seen.add(value);
    return value;
  };
}
