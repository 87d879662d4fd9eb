/**
 * Reads the Prometheus text exposition format (version 0.0.4) as a server
 * serves it at `/metrics`, for tests: every sample with its labels, and
 * the metric names and types the `# TYPE` lines declare. Throws on a line
 * it cannot read, so a malformed exposition fails the test.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Scrape {
  readonly samples: readonly Sample[];
  /** Metric family name → its declared type (`counter`, `gauge`, `histogram`…). */
  readonly types: ReadonlyMap<string, string>;
  /** The value of the one sample named `name` whose labels include `labels`; throws unless exactly one matches. */
  value(name: string, labels?: Readonly<Record<string, string>>): number;
  /** Every sample named `name` whose labels include `labels`. */
  all(name: string, labels?: Readonly<Record<string, string>>): Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    const m = LABEL.exec(text);
    if (m === null) throw new Error(`unreadable labels in: ${line}`);
    labels[m[1]!] = unescape(m[2]!);
    at = LABEL.lastIndex;
  }
  return labels;
}

/** As Prometheus reads values (Go's ParseFloat): `NaN` and `Inf` in any case; prom-client writes `Nan`. */
function parseValue(text: string, line: string): number {
  const word = text.toLowerCase();
  if (word === '+inf' || word === 'inf') return Infinity;
  if (word === '-inf') return -Infinity;
  if (word === 'nan') return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`unreadable value in: ${line}`);
  return value;
}

const matches = (sample: Sample, name: string, labels: Readonly<Record<string, string>>): boolean =>
  sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v);

export function parsePrometheusText(body: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of body.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type !== null) types.set(type[1]!, type[2]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (m === null) throw new Error(`unreadable sample line: ${line}`);
    samples.push({ name: m[1]!, labels: m[2] === undefined ? {} : parseLabels(m[2], line), value: parseValue(m[3]!, line) });
  }
  const all = (name: string, labels: Readonly<Record<string, string>> = {}) => samples.filter((s) => matches(s, name, labels));
  return {
    samples,
    types,
    all,
    value(name, labels = {}) {
      const found = all(name, labels);
      if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
      return found[0]!.value;
    },
  };
}

/** GETs `url` (a server's `/metrics`) and parses the answer; fails unless it is 200 in the text format. */
export async function scrapeMetrics(url: string): Promise<Scrape> {
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`scrape of ${url}: ${res.status} ${body.slice(0, 200)}`);
  if (!/^text\/plain; version=0\.0\.4/.test(res.headers.get('content-type') ?? '')) throw new Error(`scrape of ${url}: content-type ${res.headers.get('content-type')}`);
  return parsePrometheusText(body);
}
