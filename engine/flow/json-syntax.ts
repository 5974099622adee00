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
/** A string token; control characters are rejected separately (they may not appear raw in JSON strings). */
const STRING = /"(?:[^"\\]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/**
 * The first syntax error in `text`, or undefined when it is valid JSON.
 *
 * @example findJsonSyntaxError('{\n  "a": }') // { message: 'expected a value, found "}"', line: 2, column: 8, offset: 10 }
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const scanner = new Scanner(text);
  try {
    scanner.document();
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

class Scanner {
  private at = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.space();
    if (this.at < this.text.length) throw new Fail(this.at, 'the end of the document');
  }

  private value(): void {
    this.space();
    const c = this.text[this.at];
    if (c === '{') this.container('}', () => this.member(), '"," or "}" after a property');
    else if (c === '[') this.container(']', () => this.value(), '"," or "]" after an array item');
    else if (c === '"') this.token(STRING, 'a valid string (closed, with valid escapes)');
    else if (!this.word()) this.token(NUMBER, 'a value');
  }

  /** `{…}` or `[…]`: items separated by commas, possibly none. */
  private container(close: string, item: () => void, expected: string): void {
    if (++this.depth > MAX_DEPTH) throw new Fail(this.at, `at most ${MAX_DEPTH} levels of nesting`);
    this.at++;
    this.space();
    if (this.text[this.at] === close) this.at++;
    else {
      item();
      this.space();
      while (this.text[this.at] === ',') {
        this.at++;
        item();
        this.space();
      }
      this.expect(close, expected);
    }
    this.depth--;
  }

  private member(): void {
    this.space();
    this.token(STRING, 'a property name in double quotes');
    this.expect(':', '":" after the property name');
    this.value();
  }

  private word(): boolean {
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return true;
      }
    }
    return false;
  }

  private space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at]!)) this.at++;
  }

  private expect(char: string, expected: string): void {
    this.space();
    if (this.text[this.at] !== char) throw new Fail(this.at, expected);
    this.at++;
  }

  private token(pattern: RegExp, expected: string): void {
    pattern.lastIndex = this.at;
    const match = pattern.exec(this.text);
    if (match === null) throw new Fail(this.at, expected);
    const control = [...match[0]].findIndex((ch) => ch.charCodeAt(0) < 0x20);
    if (control >= 0)
      throw new Fail(this.at + control, 'no raw control characters in a string (escape them)');
    this.at += match[0].length;
  }
}
