// Expecting errors: the type, and every pattern in the message.

import * as assert from "uvu/assert";

/** Awaits fn and asserts that it rejects with `type` and a message matching every pattern; returns the error. */
export async function rejects(fn: () => Promise<unknown>, type: ErrorConstructor, ...patterns: RegExp[]): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    assert.instance(e, type, `expected a ${type.name}, got ${(e as Error).constructor.name}: ${(e as Error).message}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return e as Error;
  }
  return assert.unreachable(`expected ${type.name} matching ${patterns.join(", ")}`) as never;
}

/** Asserts that fn throws `type` with a message matching every pattern. */
export function throwsWith(fn: () => unknown, type: ErrorConstructor, ...patterns: RegExp[]): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, type, `expected a ${type.name}, got ${(e as Error).constructor.name}: ${(e as Error).message}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return;
  }
  assert.unreachable(`expected ${type.name} matching ${patterns.join(", ")}`);
}
