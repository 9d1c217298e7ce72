/**
 * A small, safe expression language for tag formulas: numbers, booleans,
 * `value`, other tags of the device (by identifier, or `tag('any name')`),
 * arithmetic (+ - * / % ^), comparisons, && || !, `c ? a : b`, and a fixed set
 * of math functions. Parsed once into closures; no eval, no Function, no
 * access to anything but the values handed in.
 */

export type ExprValue = number | boolean;

export interface ExprContext {
  value: ExprValue;
  /** The current value of another tag of the device; throws InputError when it has none. */
  lookup(tag: string): ExprValue;
}

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} (at position ${position})`);
  }
}

/** An input of the formula has no good value: the result is bad, with this reason. */
export class InputError extends Error {}

export interface CompiledExpression {
  evaluate(ctx: ExprContext): ExprValue;
  /** Tags of the device the formula reads (besides `value`). */
  references: string[];
  usesValue: boolean;
}

type Node = (ctx: ExprContext) => ExprValue;

interface Token {
  kind: 'num' | 'id' | 'str' | 'op' | 'end';
  text: string;
  pos: number;
  num?: number;
}

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '+', '-', '*', '/', '%', '^', '(', ')', ',', '?', ':', '<', '>', '!'];

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i + 1;
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      tokens.push({ kind: 'num', text: num[0], pos, num: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      tokens.push({ kind: 'id', text: id[0], pos });
      i += id[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ExpressionError('unterminated string', pos);
      tokens.push({ kind: 'str', text: src.slice(i + 1, end), pos });
      i = end + 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character "${c}"`, pos);
    tokens.push({ kind: 'op', text: op, pos });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: 'end of formula', pos: src.length + 1 });
  return tokens;
}

const num = (v: ExprValue) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);
const bool = (v: ExprValue) => (typeof v === 'boolean' ? v : v !== 0);

const FUNCTIONS: Record<string, { min: number; max: number; fn: (...a: number[]) => number }> = {
  abs: { min: 1, max: 1, fn: Math.abs },
  sqrt: { min: 1, max: 1, fn: Math.sqrt },
  floor: { min: 1, max: 1, fn: Math.floor },
  ceil: { min: 1, max: 1, fn: Math.ceil },
  exp: { min: 1, max: 1, fn: Math.exp },
  log: { min: 1, max: 1, fn: Math.log },
  log10: { min: 1, max: 1, fn: Math.log10 },
  sin: { min: 1, max: 1, fn: Math.sin },
  cos: { min: 1, max: 1, fn: Math.cos },
  tan: { min: 1, max: 1, fn: Math.tan },
  pow: { min: 2, max: 2, fn: Math.pow },
  min: { min: 1, max: 32, fn: Math.min },
  max: { min: 1, max: 32, fn: Math.max },
  round: {
    min: 1,
    max: 2,
    fn: (x, d = 0) => {
      const f = 10 ** d;
      return Math.round(x * f) / f;
    },
  },
  clamp: { min: 3, max: 3, fn: (x, lo, hi) => Math.min(hi as number, Math.max(lo as number, x)) },
};

const BINARY: Record<string, [number, (a: ExprValue, b: ExprValue) => ExprValue]> = {
  '||': [1, (a, b) => bool(a) || bool(b)],
  '&&': [2, (a, b) => bool(a) && bool(b)],
  '==': [3, (a, b) => num(a) === num(b)],
  '!=': [3, (a, b) => num(a) !== num(b)],
  '<': [4, (a, b) => num(a) < num(b)],
  '<=': [4, (a, b) => num(a) <= num(b)],
  '>': [4, (a, b) => num(a) > num(b)],
  '>=': [4, (a, b) => num(a) >= num(b)],
  '+': [5, (a, b) => num(a) + num(b)],
  '-': [5, (a, b) => num(a) - num(b)],
  '*': [6, (a, b) => num(a) * num(b)],
  '/': [6, (a, b) => num(a) / num(b)],
  '%': [6, (a, b) => num(a) % num(b)],
};

class Parser {
  private i = 0;
  readonly references = new Set<string>();
  usesValue = false;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }
  private take(): Token {
    return this.tokens[this.i++] as Token;
  }
  private expect(text: string): void {
    const t = this.take();
    if (t.text !== text || t.kind === 'str') throw new ExpressionError(`expected "${text}" but found "${t.text}"`, t.pos);
  }

  parse(): Node {
    const node = this.ternary();
    const t = this.peek();
    if (t.kind !== 'end') throw new ExpressionError(`unexpected "${t.text}"`, t.pos);
    return node;
  }

  private ternary(): Node {
    const cond = this.binary(1);
    if (this.peek().text !== '?' || this.peek().kind !== 'op') return cond;
    this.take();
    const a = this.ternary();
    this.expect(':');
    const b = this.ternary();
    return (ctx) => (bool(cond(ctx)) ? a(ctx) : b(ctx));
  }

  private binary(minPrec: number): Node {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      const op = t.kind === 'op' ? BINARY[t.text] : undefined;
      if (!op || op[0] < minPrec) return left;
      this.take();
      const [prec, fn] = op;
      // ^ is right-associative, the others left-associative.
      const right = t.text === '^' ? this.binary(prec) : this.binary(prec + 1);
      const l = left;
      left = (ctx) => fn(l(ctx), right(ctx));
    }
  }

  private unary(): Node {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '!' || t.text === '+')) {
      this.take();
      const operand = this.unary();
      if (t.text === '-') return (ctx) => -num(operand(ctx));
      if (t.text === '!') return (ctx) => !bool(operand(ctx));
      return (ctx) => num(operand(ctx));
    }
    return this.power();
  }

  private power(): Node {
    const base = this.primary();
    if (this.peek().text === '^' && this.peek().kind === 'op') {
      this.take();
      const exponent = this.unary();
      return (ctx) => num(base(ctx)) ** num(exponent(ctx));
    }
    return base;
  }

  private primary(): Node {
    const t = this.take();
    if (t.kind === 'num') {
      const v = t.num as number;
      return () => v;
    }
    if (t.kind === 'op' && t.text === '(') {
      const inner = this.ternary();
      this.expect(')');
      return inner;
    }
    if (t.kind === 'id') {
      if (t.text === 'true' || t.text === 'false') {
        const v = t.text === 'true';
        return () => v;
      }
      if (this.peek().text === '(' && this.peek().kind === 'op') return this.call(t);
      if (t.text === 'value') {
        this.usesValue = true;
        return (ctx) => ctx.value;
      }
      return this.reference(t.text);
    }
    if (t.kind === 'end') throw new ExpressionError('the formula ends too early', t.pos);
    throw new ExpressionError(`unexpected "${t.text}"`, t.pos);
  }

  private reference(name: string): Node {
    this.references.add(name);
    return (ctx) => ctx.lookup(name);
  }

  private call(name: Token): Node {
    this.take(); // (
    if (name.text === 'tag') {
      const arg = this.take();
      if (arg.kind !== 'str') throw new ExpressionError("tag() takes a quoted tag name, e.g. tag('Line1/Temp')", arg.pos);
      this.expect(')');
      return this.reference(arg.text);
    }
    const f = FUNCTIONS[name.text];
    if (!f) throw new ExpressionError(`unknown function "${name.text}"; known: tag, ${Object.keys(FUNCTIONS).join(', ')}`, name.pos);
    const args: Node[] = [];
    if (this.peek().text !== ')') {
      args.push(this.ternary());
      while (this.peek().text === ',' && this.peek().kind === 'op') {
        this.take();
        args.push(this.ternary());
      }
    }
    this.expect(')');
    if (args.length < f.min || args.length > f.max) {
      const want = f.min === f.max ? `${f.min}` : `${f.min} to ${f.max}`;
      throw new ExpressionError(`${name.text}() takes ${want} argument(s), not ${args.length}`, name.pos);
    }
    const fn = f.fn;
    if (args.length === 1) {
      const a = args[0] as Node;
      return (ctx) => fn(num(a(ctx)));
    }
    return (ctx) => fn(...args.map((a) => num(a(ctx))));
  }
}

/** Parses a formula; throws ExpressionError with the position of the first problem. */
export function compileExpression(source: string): CompiledExpression {
  const parser = new Parser(tokenize(source));
  const evaluate = parser.parse();
  return { evaluate, references: [...parser.references], usesValue: parser.usesValue };
}
