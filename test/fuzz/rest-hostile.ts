/**
 * Hostile REST requests as fast-check arbitraries: values a client should
 * never send (deep nesting, lone surrogates, NUL, invalid UTF-8, huge and
 * negative numbers, wrong types, very long strings, prototype keys) placed
 * in the fields a route reads, in JSON, form-encoded or raw-byte bodies,
 * in the query and in path parameters.
 *
 * A value is a JSON-like tree whose leaves may be `Raw` chunks: text or
 * bytes written into the body as they are (JSON.stringify could not write
 * 10,000 levels, `1e999` or an invalid byte).
 */
import fc from 'fast-check';

/** A piece of body written verbatim: JSON text, or bytes that are not UTF-8. */
export class Raw {
  constructor(
    readonly chunk: string | Buffer,
    readonly label: string,
  ) {}
  /** How fast-check prints it in a counterexample (not 10,000 brackets). */
  [fc.toStringMethod]() {
    return `Raw(${this.label})`;
  }
}
/** An object as key/value pairs, so `__proto__` can be an own key. */
export class Entries {
  constructor(readonly pairs: [string, Value][]) {}
}
export type Value = null | boolean | number | string | Raw | Entries | Value[];

const deepArray = (levels: number) => new Raw(`${'['.repeat(levels)}"x"${']'.repeat(levels)}`, `[${levels}]`);
const deepObject = (levels: number) => new Raw(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`, `{${levels}}`);
/** Bytes that are not UTF-8: a lone continuation byte, 0xFF, an overlong NUL, a CESU-8 surrogate. */
const BAD_BYTES = [Buffer.from([0xff]), Buffer.from([0xc0, 0x80]), Buffer.from([0x80]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80])];
const badBytesString = fc
  .tuple(fc.constantFrom(...BAD_BYTES), fc.constantFrom('', 'x', 'name'))
  .map(([bytes, text]) => new Raw(Buffer.concat([Buffer.from(`"${text}`), bytes, Buffer.from('"')]), 'bad-utf8'));

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'] as const;

/** Strings that have broken servers: control characters, surrogates, injections, lookalikes of other types. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800x',
    'x\udfff',
    '\ud83d',
    '\udc00\ud800',
    '\uffff\ufffe',
    '😀 émoji',
    '\u202e rtl',
    '%FF%C0%80',
    "' OR 1=1 --",
    '"; DROP TABLE contacts; --',
    '<script>alert(1)</script>',
    '../../../etc/passwd',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'http://[::1]:99999/',
    '{"a":1}',
    '[1]',
    '1',
    '-1',
    '0',
    '1.5',
    '1e308',
    '2147483648',
    '99999999999999999999',
    'NaN',
    'Infinity',
    'true',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    '2024-13-45T99:99:99Z',
    'a@b',
    'open',
    'resolved',
    'snoozed',
    'admin@example.com',
  ),
  fc.constantFrom(256, 10_001, 20_001, 150_001).map((n) => 'a'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 20 }),
);

/** Numbers around every boundary a column or parser has. */
export const hostileNumber: fc.Arbitrary<number | Raw> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 1.5, -1.5, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, Number.MIN_VALUE, 1e-308, 99_999_999),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom('1e999', '-1e999', '-0', '123456789012345678901234567890', '0.0000000000000000000001', '1E+400').map((text) => new Raw(text, text)),
);

/**
 * Any hostile value. `ids` are valid ids of seeded records: a number field
 * given one of those reaches deeper than one given garbage.
 */
export function hostileValue(ids: number[]): fc.Arbitrary<Value> {
  const leaf: fc.Arbitrary<Value> = fc.oneof(
    { weight: 4, arbitrary: hostileString },
    { weight: 3, arbitrary: hostileNumber },
    { weight: 2, arbitrary: fc.constantFrom(...ids) },
    { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
    { weight: 1, arbitrary: badBytesString },
    { weight: 1, arbitrary: fc.constantFrom(deepArray(101), deepArray(1_000), deepArray(10_000), deepObject(10_000), deepObject(150)) },
  );
  const { value } = fc.letrec<{ value: Value }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: leaf },
      { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
      {
        weight: 1,
        arbitrary: fc
          .array(fc.tuple(fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 8 })), tie('value')), { maxLength: 4 })
          .map((pairs) => new Entries(pairs)),
      },
    ),
  }));
  return value;
}

/** Writes a value as JSON text; raw chunks as they are. */
export function writeJson(value: Value, out: (string | Buffer)[] = []): (string | Buffer)[] {
  if (value instanceof Raw) out.push(value.chunk);
  else if (value instanceof Entries) {
    out.push('{');
    value.pairs.forEach(([key, item], i) => {
      out.push(`${i ? ',' : ''}${JSON.stringify(key)}:`);
      writeJson(item, out);
    });
    out.push('}');
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i) out.push(',');
      writeJson(item, out);
    });
    out.push(']');
  } else if (typeof value === 'number' && Object.is(value, -0)) out.push('-0');
  else out.push(JSON.stringify(value));
  return out;
}

/** Percent-encodes a string as a form or query value; a lone surrogate becomes its CESU-8 bytes (invalid UTF-8). */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff)
      out += Buffer.from([0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)])
        .toString('hex')
        .replace(/../g, '%$&')
        .toUpperCase();
    else out += encodeURIComponent(char);
  }
  return out;
}

/** Percent-escapes that do not decode to UTF-8, or do not decode at all. */
export const BAD_ESCAPES = ['%FF', '%C0%80', '%ED%A0%80', '%80', '%', '%zz', '%00', '%E2%82'] as const;

/** A value as form/query text under `key` (`key[a][b]=…` for objects, `key[]=…` for arrays). */
export function writeForm(key: string, value: Value, out: string[] = []): string[] {
  if (value instanceof Raw)
    out.push(`${key}=${typeof value.chunk === 'string' ? percentEncode(value.chunk) : value.chunk.toString('hex').replace(/../g, '%$&')}`);
  else if (value instanceof Entries) for (const [k, v] of value.pairs) writeForm(`${key}[${percentEncode(k)}]`, v, out);
  else if (Array.isArray(value)) {
    if (value.length === 0) out.push(`${key}[]=`);
    for (const item of value) writeForm(`${key}[]`, item, out);
  } else out.push(`${key}=${value === null ? '' : percentEncode(String(value))}`);
  return out;
}

/** Path segments: mostly hostile ids, escapes that decode to nothing valid, very long ones. */
export const hostilePathSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '-1', 'abc', '1.5', '1e3', '0x10', '2147483648', '99999999999999999999', '1e308', ' 1', '%20', '__proto__', 'constructor', 'null', 'undefined', '%2E%2E', '%2F', ...BAD_ESCAPES),
  fc.constantFrom(300, 5_000).map((n) => 'a'.repeat(n)),
  hostileString.filter((s) => s.length < 300).map(percentEncode),
);
