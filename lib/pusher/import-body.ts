import { SERIES_PER_SLICE, yieldToEventLoop } from '../event-loop';

/**
 * The text-format body with the labels in `names` taken off every series, for vmagent: it adds
 * the grouping labels itself (`extra_label`, see import-path.ts) and does not replace a label the
 * series already has, so a series that kept its own `job` (the module's metrics all do) would be
 * remote-written with two, a sample Prometheus refuses and vmagent then retries without end.
 * Taking them off first gives each series the grouping values, as a Pushgateway's grouping key
 * replaces a pushed series' own. Lines without such a label, comments and anything that does not
 * parse as a sample line are left as they are. Works `SERIES_PER_SLICE` lines at a time, with a
 * yield to the event loop in between, as the serialiser does.
 */
export async function withoutLabels(text: string, names: ReadonlySet<string>): Promise<string> {
  if (names.size === 0) return text;
  const needles = [...names].map((name) => `${name}="`);
  const out: string[] = [];
  let start = 0;
  let lines = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    const open = line.charCodeAt(0) === HASH ? -1 : line.indexOf('{');
    out.push(
      open >= 0 && needles.some((n) => line.includes(n, open)) ? strip(line, open, names) : line,
    );
    start = end + 1;
    if (++lines % SERIES_PER_SLICE === 0) await yieldToEventLoop();
  }
  // The text's last line break (or its absence) is kept: split and join pair them up.
  return out.join('\n') + (text.endsWith('\n') ? '\n' : '');
}

const HASH = 0x23;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * `line` without the labels in `names`; `open` is the index of its `{`. The line as it is when
 * its label set does not parse (the server then says what is wrong with it).
 */
function strip(line: string, open: number, names: ReadonlySet<string>): string {
  const kept: string[] = [];
  let i = open + 1;
  while (line[i] !== '}') {
    const equals = line.indexOf('=', i);
    if (equals < 0 || line.charCodeAt(equals + 1) !== QUOTE) return line;
    // A value ends at the first quote not escaped by a backslash.
    let j = equals + 2;
    while (j < line.length && line.charCodeAt(j) !== QUOTE) {
      j += line.charCodeAt(j) === BACKSLASH ? 2 : 1;
    }
    if (j >= line.length) return line;
    const name = line.slice(i, equals).trim();
    if (!names.has(name)) kept.push(line.slice(i, j + 1));
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') return line;
  }
  const rest = line.slice(i + 1);
  return kept.length === 0
    ? `${line.slice(0, open)}${rest}`
    : `${line.slice(0, open)}{${kept.join(',')}}${rest}`;
}
