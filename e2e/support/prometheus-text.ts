/**
 * Reads samples out of a Prometheus text exposition (what the gateway serves at /metrics),
 * for tests that watch a process from outside as an operator's scraper would.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescape(value: string): string {
  return value.replace(/\\(["\\n])/g, (_match, char: string) => (char === 'n' ? '\n' : char));
}

/** Every sample of the exposition, comments skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = unescape(value!);
    const raw = match[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** The value of the first sample named `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(text: string | readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const samples = typeof text === 'string' ? parsePrometheusText(text) : text;
  return samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value;
}

/** GET /metrics of a gateway (base URL without a path), parsed. */
export async function scrapeMetrics(base: string, timeoutMs = 5_000): Promise<Sample[]> {
  const response = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 200) throw new Error(`/metrics answered HTTP ${response.status}`);
  return parsePrometheusText(await response.text());
}
