// A minimal test runner for the browser: test(name, fn), equal/deepEqual/ok, run() → results.
const tests = [];

export function test(name, fn) {
  tests.push({ name, fn });
}

export class AssertionFailed extends Error {}

export function ok(value, message = "expected a truthy value") {
  if (!value) throw new AssertionFailed(message);
}

export function equal(actual, expected, message = "") {
  if (!Object.is(actual, expected)) throw new AssertionFailed(`${message} expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

export function deepEqual(actual, expected, message = "") {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new AssertionFailed(`${message} expected ${b}, got ${a}`);
}

export async function run() {
  const results = [];
  for (const { name, fn } of tests) {
    try {
      await fn();
      results.push({ name, passed: true });
    } catch (error) {
      results.push({ name, passed: false, error: String(error?.stack ?? error) });
    }
  }
  return results;
}
