// Checks that throw TypeError / RangeError naming what was expected and what was given.

export type FloatInput = Float32Array | Float64Array | readonly number[];

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value;
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A flat float array of exactly `shape` elements; `what` names it in the error. */
export function checkFloats(what: string, value: unknown, shape: readonly number[], shapeNames?: string): FloatInput {
  const expected = product(shape);
  // built only for a message: this runs on every call of the hot streaming path
  const dims = () => (shapeNames ? `${shapeNames} = ${shapeText(shape)}` : shapeText(shape));
  if (!(value instanceof Float32Array || value instanceof Float64Array || Array.isArray(value))) {
    throw new TypeError(`${what} must be a Float32Array (or number[]) of shape ${dims()}, got ${describe(value)}`);
  }
  if (value.length !== expected) {
    throw new RangeError(`${what} must have ${expected} elements (shape ${dims()}), got ${value.length}`);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (typeof value[i] !== "number") {
        throw new TypeError(`${what}[${i}] must be a number, got ${describe(value[i])}`);
      }
    }
  }
  return value as FloatInput;
}

export function checkPositiveInt(what: string, value: unknown, max = 1 << 24): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${what} must be an integer in [1, ${max}], got ${describe(value)}`);
  }
  return value;
}

export function checkBoolean(what: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new TypeError(`${what} must be true or false, got ${describe(value)}`);
  return value;
}

/** Throws on keys of `options` that are not in `allowed`. */
export function checkKnownKeys(what: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${what}: unknown option "${key}" (expected one of: ${allowed.join(", ")})`);
    }
  }
}

export function checkObject(what: string, value: unknown, noun = "an options object"): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new TypeError(`${what} must be ${noun}, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}
