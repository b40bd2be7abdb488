// A small parser for the Prometheus text exposition format (version 0.0.4),
// enough to read back what a Pushgateway serves on /metrics.

/** One sample line: metric name, its labels, and its value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses exposition text into samples; comments (HELP, TYPE) and blank lines are skipped. */
export function parseTextFormat(text: string): Sample[] {
  const samples: Sample[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    samples.push(parseSampleLine(line, index + 1));
  });
  return samples;
}

/** Parses a sample value as the format writes it, `NaN`, `+Inf` and `-Inf` included. */
export function parseSampleValue(text: string): number {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
  }
  const value = Number(text);
  // Number() would take '' or '0x10'; neither is a sample value.
  if (text === '' || Number.isNaN(value) || /^[+-]?0[xob]/i.test(text)) {
    throw new Error(`not a sample value: '${text}'`);
  }
  return value;
}

function parseSampleLine(line: string, lineNumber: number): Sample {
  const fail = (why: string): never => {
    throw new Error(`text format, line ${lineNumber}: ${why}: ${line}`);
  };
  const name = METRIC_NAME.exec(line)?.[0] ?? fail('no metric name');
  let pos = name.length;
  const skipSpaces = () => {
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
  };

  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      skipSpaces();
      if (line[pos] === '}') break; // empty set, or a trailing comma
      const key = LABEL_NAME.exec(line.slice(pos))?.[0] ?? fail('bad label name');
      pos += key.length;
      skipSpaces();
      if (line[pos++] !== '=') fail(`'=' expected after label ${key}`);
      skipSpaces();
      if (line[pos++] !== '"') fail(`'"' expected for label ${key}`);
      labels[key] = readLabelValue();
      skipSpaces();
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') fail(`',' or '}' expected after label ${key}`);
    }
    pos++; // the '}'
  }

  // What is left: the value, then an optional timestamp.
  const rest = line
    .slice(pos)
    .trim()
    .split(/[ \t]+/);
  if (rest[0] === '' || rest.length > 2) fail('expected a value and an optional timestamp');
  let value = 0;
  try {
    value = parseSampleValue(rest[0]);
  } catch (e) {
    fail((e as Error).message);
  }
  return { name, labels, value };

  // Reads up to the closing quote; \\, \" and \n are the only escapes.
  function readLabelValue(): string {
    let value = '';
    for (;;) {
      const c = line[pos++];
      if (c === undefined) return fail('unterminated label value');
      if (c === '"') return value;
      if (c !== '\\') {
        value += c;
        continue;
      }
      const escaped = line[pos++];
      if (escaped === '\\' || escaped === '"') value += escaped;
      else if (escaped === 'n') value += '\n';
      else fail(`bad escape '\\${escaped ?? ''}' in label value`);
    }
  }
}
