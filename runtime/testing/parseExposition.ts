/** One sample line of a Prometheus text exposition. */
export interface ExpositionSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric family: its `# HELP`, `# TYPE` and samples, in order. */
export interface ExpositionFamily {
  readonly name: string;
  readonly help: string | undefined;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly samples: ExpositionSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/**
 * Parses the Prometheus text exposition format (version 0.0.4) strictly, for tests: `# HELP` and
 * `# TYPE` lines (one each per family, before its samples), sample lines with escaped label
 * values (`\\`, `\"`, `\n`), each family's samples together, and for histograms per label set:
 * `_bucket` lines with increasing `le` ending in `+Inf`, cumulative counts, `_count` equal to the
 * `+Inf` bucket and a `_sum`. Throws an Error naming the line on the first violation.
 */
export function parseExposition(text: string): Map<string, ExpositionFamily> {
  const families = new Map<string, ExpositionFamily>();
  const closed = new Set<string>();
  let current: ExpositionFamily | undefined;
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition: no final newline');
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`exposition line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    const enter = (name: string): ExpositionFamily => {
      if (current?.name === name) return current;
      if (closed.has(name) || families.has(name)) fail(`family ${name} is not contiguous`);
      if (current !== undefined) closed.add(current.name);
      current = { name, help: undefined, type: 'untyped', samples: [] };
      families.set(name, current);
      return current;
    };
    if (line === '') return; // the format ignores empty lines
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) return; // a plain comment
      const [, kind, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) fail('invalid metric name');
      const family = enter(name) as {
        -readonly [K in keyof ExpositionFamily]: ExpositionFamily[K];
      };
      if (kind === 'HELP') {
        if (family.help !== undefined) fail('second HELP');
        family.help = unescape(rest, false, fail);
      } else {
        if (!TYPES.has(rest)) fail('unknown TYPE');
        if (family.samples.length > 0) fail('TYPE after samples');
        family.type = rest as ExpositionFamily['type'];
      }
      return;
    }
    const sample = parseSample(line, fail);
    const base = familyOf(sample.name, current);
    enter(base).samples.push(sample);
  });
  for (const family of families.values()) {
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

// --- internals ---

function familyOf(sample: string, current: ExpositionFamily | undefined): string {
  if (current !== undefined && sample !== current.name) {
    for (const suffix of SUFFIXES[current.type] ?? []) {
      if (sample === current.name + suffix) return current.name;
    }
  }
  return sample;
}

function parseSample(line: string, fail: (why: string) => never): ExpositionSample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line);
  if (m === null) return fail('malformed sample');
  const [, name = '', labelText, valueText = ''] = m;
  const labels: Record<string, string> = {};
  if (labelText !== undefined) {
    let rest = labelText.slice(1, -1);
    while (rest !== '') {
      const lm = /^([^=]+)="((?:[^"\\]|\\.)*)"(,?)/.exec(rest);
      if (lm === null) return fail('malformed labels');
      const [whole, key = '', raw = '', comma] = lm;
      if (!LABEL_NAME.test(key)) fail(`invalid label name ${key}`);
      if (key in labels) fail(`duplicate label ${key}`);
      labels[key] = unescape(raw, true, fail);
      rest = rest.slice(whole.length);
      if (comma === '' && rest !== '') fail('labels not separated by commas');
    }
  }
  return { name, labels, value: parseValue(valueText, fail) };
}

function parseValue(text: string, fail: (why: string) => never): number {
  // Values are Go's ParseFloat: Inf, Infinity and NaN in any case (prom-client writes `Nan`).
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const value = Number(text);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) || Number.isNaN(value)) {
    return fail(`invalid value ${text}`);
  }
  return value;
}

/** HELP escapes `\\` and `\n`; label values also `\"`. Any other escape is an error. */
function unescape(text: string, quotes: boolean, fail: (why: string) => never): string {
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quotes) return '"';
    return fail(`invalid escape \\${c}`);
  });
}

function checkHistogram(family: ExpositionFamily): void {
  const groups = new Map<
    string,
    { les: number[]; counts: number[]; sum?: number; count?: number }
  >();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { les: [], counts: [] }));
    if (s.name === `${family.name}_bucket`) {
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      g.les.push(parseValue(le, (why) => fail(family.name, why)));
      g.counts.push(s.value);
    } else if (s.name === `${family.name}_sum`) g.sum = s.value;
    else if (s.name === `${family.name}_count`) g.count = s.value;
    else fail(family.name, `unexpected sample ${s.name}`);
  }
  for (const [key, g] of groups) {
    const where = `${family.name}${key}`;
    if (g.les.at(-1) !== Infinity) fail(where, 'the last bucket is not le="+Inf"');
    for (let i = 1; i < g.les.length; i++) {
      if (!((g.les[i] ?? 0) > (g.les[i - 1] ?? 0))) fail(where, 'le not increasing');
      if ((g.counts[i] ?? 0) < (g.counts[i - 1] ?? 0)) fail(where, 'buckets not cumulative');
    }
    if (g.sum === undefined) fail(where, 'no _sum');
    if (g.count !== g.counts.at(-1)) fail(where, '_count differs from the +Inf bucket');
  }
}

function fail(where: string, why: string): never {
  throw new Error(`exposition ${where}: ${why}`);
}
