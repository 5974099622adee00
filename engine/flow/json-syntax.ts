/**
 * Where JSON text breaks: a small recursive-descent scanner that finds the first syntax error and
 * says what it expected, with line and column. Node's own `JSON.parse` messages vary by version and
 * often omit the position; a person fixing a flow file needs "line 3, column 12".
 */

/** A JSON syntax error: what went wrong, and where (1-based line and column). */
export interface JsonSyntaxError {
  message: string;
  offset: number;
  line: number;
  column: number;
}

class Fail {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

/** Deeper documents are not flows; the limit keeps the scanner's recursion far from the stack's end. */
const MAX_DEPTH = 256;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/**
 * The first syntax error in `text`, or undefined when it is valid JSON.
 *
 * @example findJsonSyntaxError('{\n  "a": }') // { message: 'expected a value, found "}"', line: 2, column: 8, offset: 8 }
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const expect = (char: string, what: string) => {
    space();
    if (text[at] !== char) throw new Fail(at, what);
    at++;
  };
  const token = (pattern: RegExp, what: string) => {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (match === null) throw new Fail(at, what);
    at += match[0].length;
  };
  let depth = 0;
  const value = (): void => {
    space();
    const c = text[at];
    if ((c === '{' || c === '[') && ++depth > MAX_DEPTH) throw new Fail(at, `at most ${MAX_DEPTH} levels of nesting`);
    if (c === '{') {
      at++;
      space();
      if (text[at] === '}') return void (at++, depth--);
      for (;;) {
        space();
        token(STRING, 'a property name in double quotes');
        expect(':', '":" after the property name');
        value();
        space();
        if (text[at] === ',') at++;
        else return void (expect('}', '"," or "}" after a property'), depth--);
      }
    }
    if (c === '[') {
      at++;
      space();
      if (text[at] === ']') return void (at++, depth--);
      for (;;) {
        value();
        space();
        if (text[at] === ',') at++;
        else return void (expect(']', '"," or "]" after an array item'), depth--);
      }
    }
    if (c === '"') return token(STRING, 'a valid string (closed, with valid escapes)');
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, at)) return void (at += word.length);
    }
    token(NUMBER, 'a value');
  };
  try {
    value();
    space();
    if (at < text.length) throw new Fail(at, 'the end of the document');
    return undefined;
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    const found = e.offset >= text.length ? 'the end of the text' : JSON.stringify(text[e.offset]);
    const before = text.slice(0, e.offset);
    const line = before.split('\n').length;
    const column = e.offset - before.lastIndexOf('\n');
    return { message: `expected ${e.expected}, found ${found}`, offset: e.offset, line, column };
  }
}
