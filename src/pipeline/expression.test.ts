import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileExpression, ExpressionError, InputError } from './expression.ts';

const tags = new Map<string, number | boolean>(Object.entries({ a: 4, b: 6, offset: 2.5, run: true, 'Line1/Temp': 20 }));
const lookup = (t: string) => {
  const v = tags.get(t);
  if (v === undefined) throw new InputError(`input "${t}" has no good value`);
  return v;
};
const evaluate = (src: string, value: number | boolean = 10) => compileExpression(src).evaluate({ value, lookup });

describe('expressions', () => {
  const cases: [string, number | boolean][] = [
    ['value * 0.1 + offset', 3.5],
    ['(a + b) / 2', 5],
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['10 % 4', 2],
    ['a > 3 && b < 6', false],
    ['a > 3 || b < 6', true],
    ['!run', false],
    ['value >= 10 ? 1 : 0', 1],
    ['a == 4', true],
    ['a != 4', false],
    ["tag('Line1/Temp') * 2", 40],
    ['max(a, b, 1)', 6],
    ['min(a, b)', 4],
    ['round(2.71828, 2)', 2.72],
    ['clamp(value, 0, 5)', 5],
    ['abs(-3) + sqrt(16) + pow(2, 3)', 15],
    ['1.5e2', 150],
    ['true + true', 2],
  ];
  for (const [src, expected] of cases) {
    it(`${src} = ${expected}`, () => assert.equal(evaluate(src), expected));
  }

  it('lists the tags a formula reads', () => {
    const c = compileExpression("(a + b) / 2 + tag('Line1/Temp') + value");
    assert.deepEqual(c.references.sort(), ['Line1/Temp', 'a', 'b']);
    assert.equal(c.usesValue, true);
  });

  const errors: [string, RegExp][] = [
    ['value *', /the formula ends too early \(at position 8\)/],
    ['(a + b', /expected "\)" but found "end of formula" \(at position 7\)/],
    ['a $ b', /unexpected character "\$" \(at position 3\)/],
    ['foo(1)', /unknown function "foo".*\(at position 1\)/],
    ['pow(1)', /pow\(\) takes 2 argument\(s\), not 1/],
    ['a b', /unexpected "b" \(at position 3\)/],
    ['tag(a)', /tag\(\) takes a quoted tag name/],
    ["'open", /unterminated string/],
  ];
  for (const [src, reason] of errors) {
    it(`refuses "${src}" with the position`, () =>
      assert.throws(
        () => compileExpression(src),
        (e: unknown) => e instanceof ExpressionError && reason.test(e.message),
      ));
  }

  it('cannot reach anything outside its inputs', () => {
    assert.throws(() => compileExpression('constructor.constructor("return process")()'), ExpressionError);
    assert.throws(() => evaluate('__proto__ + 1'), InputError, 'an unknown name is only ever a tag lookup');
  });

  it('reports a missing input as an InputError', () => {
    assert.throws(() => evaluate('missing + 1'), /input "missing" has no good value/);
  });
});
