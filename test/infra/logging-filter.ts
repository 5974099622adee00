/**
 * A small evaluator for the subset of the Cloud Logging query language the sinks use, so tests can
 * ask "would this sink export this LogEntry?" without a cloud project:
 *
 *   comparison  field="value" (equals) · field:"value" (has: substring) · field!="value"
 *   log_id("run.googleapis.com/requests")
 *   NOT x · x AND y · x OR y · ( … )
 *
 * Precedence as documented for Cloud Logging: NOT, then OR, then AND (`a AND b OR c` is
 * `a AND (b OR c)`). A comparison on a field the entry does not have is false, so `NOT` of it is true.
 * Reference: https://cloud.google.com/logging/docs/view/logging-query-language
 */

type Token =
  | { kind: 'op'; value: 'AND' | 'OR' | 'NOT' | '(' | ')' }
  | { kind: 'logId'; value: string }
  | { kind: 'cmp'; field: string; op: '=' | ':' | '!='; value: string };

type Node =
  | { kind: 'and' | 'or'; items: Node[] }
  | { kind: 'not'; item: Node }
  | { kind: 'logId'; value: string }
  | { kind: 'cmp'; field: string; op: '=' | ':' | '!='; value: string };

const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => Token]> = [
  [new RegExp(`^log_id\\(${QUOTED}\\)`), (m) => ({ kind: 'logId', value: unquote(m[1] ?? '') })],
  [/^(AND|OR|NOT)(?=[\s(])/, (m) => ({ kind: 'op', value: m[1] as 'AND' | 'OR' | 'NOT' })],
  [/^[()]/, (m) => ({ kind: 'op', value: m[0] as '(' | ')' })],
  [
    new RegExp(`^([A-Za-z_][A-Za-z0-9_.]*)\\s*(!=|=|:)\\s*${QUOTED}`),
    (m) => ({ kind: 'cmp', field: m[1] ?? '', op: m[2] as '=' | ':' | '!=', value: unquote(m[3] ?? '') }),
  ],
];

function unquote(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let rest = filter;
  while (rest.length > 0) {
    const space = /^\s+/.exec(rest);
    if (space) {
      rest = rest.slice(space[0].length);
      continue;
    }
    const hit = PATTERNS.map(([re, make]) => [re.exec(rest), make] as const).find(([m]) => m !== null);
    if (!hit?.[0]) throw new Error(`cannot read the filter at: ${rest.slice(0, 40)}`);
    tokens.push(hit[1](hit[0]));
    rest = rest.slice(hit[0][0].length);
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.and();
    if (this.i !== this.tokens.length)
      throw new Error(`unexpected token ${JSON.stringify(this.tokens[this.i])}`);
    return node;
  }

  private isOp(value: string): boolean {
    const t = this.tokens[this.i];
    return t?.kind === 'op' && t.value === value;
  }

  private and(): Node {
    const items = [this.or()];
    while (this.isOp('AND')) {
      this.i++;
      items.push(this.or());
    }
    return items.length === 1 ? (items[0] as Node) : { kind: 'and', items };
  }

  private or(): Node {
    const items = [this.unary()];
    while (this.isOp('OR')) {
      this.i++;
      items.push(this.unary());
    }
    return items.length === 1 ? (items[0] as Node) : { kind: 'or', items };
  }

  private unary(): Node {
    if (this.isOp('NOT')) {
      this.i++;
      return { kind: 'not', item: this.unary() };
    }
    const t = this.tokens[this.i++];
    if (!t) throw new Error('filter ends too early');
    if (t.kind === 'op' && t.value === '(') {
      const inner = this.and();
      if (!this.isOp(')')) throw new Error('missing )');
      this.i++;
      return inner;
    }
    if (t.kind === 'logId' || t.kind === 'cmp') return t;
    throw new Error(`unexpected ${t.value}`);
  }
}

function field(entry: unknown, path: string): unknown {
  let value: unknown = entry;
  for (const part of path.split('.')) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function evaluate(node: Node, entry: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => evaluate(n, entry));
    case 'or':
      return node.items.some((n) => evaluate(n, entry));
    case 'not':
      return !evaluate(node.item, entry);
    case 'logId':
      return (
        typeof entry.logName === 'string' && entry.logName.endsWith(`/logs/${encodeURIComponent(node.value)}`)
      );
    case 'cmp': {
      const value = field(entry, node.field);
      if (value === undefined || value === null) return false;
      const text = String(value);
      if (node.op === '=') return text === node.value;
      if (node.op === '!=') return text !== node.value;
      return text.includes(node.value);
    }
  }
}

/**
 * Compile a filter into a predicate over LogEntry JSON. Throws on syntax outside the subset.
 *
 * @example compileLoggingFilter('resource.type="cloud_function" AND NOT resource.labels.function_name="x"')(entry)
 */
export function compileLoggingFilter(filter: string): (entry: Record<string, unknown>) => boolean {
  const ast = new Parser(tokenize(filter)).parse();
  return (entry) => evaluate(ast, entry);
}
