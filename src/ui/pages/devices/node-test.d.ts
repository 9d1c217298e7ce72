/**
 * The UI is type-checked without Node's types (src/ui/tsconfig.json: `types: []`,
 * so that DOM and Node globals do not mix), yet the pure modules of this folder
 * have unit tests that node:test runs. These are the few declarations those
 * tests use; the root tsconfig excludes src/ui, so nothing is declared twice.
 */
declare module 'node:test' {
  type Body = () => void | Promise<void>;
  export function describe(name: string, fn: Body): void;
  export function it(name: string, fn: Body): void;
  export function test(name: string, fn: Body): void;
}

declare module 'node:assert/strict' {
  interface Assert {
    (value: unknown, message?: string): asserts value;
    ok(value: unknown, message?: string): asserts value;
    equal<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
    notEqual(actual: unknown, expected: unknown, message?: string): void;
    deepEqual<T>(actual: unknown, expected: T, message?: string): asserts actual is T;
    match(value: string, pattern: RegExp, message?: string): void;
    doesNotMatch(value: string, pattern: RegExp, message?: string): void;
    throws(fn: () => unknown, expected?: RegExp | object, message?: string): void;
  }
  const assert: Assert;
  export default assert;
}
