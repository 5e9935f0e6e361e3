// Reading the page: elements by id, and form fields checked against their min / max, each failure a sentence
// naming the field (shown in the page's error list).

export const $ = <T extends HTMLElement>(id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};

/** An integer field, checked against its min / max; throws a sentence naming the field. */
export function intField(input: HTMLInputElement, name: string): number {
  const v = Number(input.value);
  const min = Number(input.min), max = input.max === "" ? Infinity : Number(input.max);
  if (input.value.trim() === "" || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${input.value}"`);
  }
  return v;
}

export function floatField(input: HTMLInputElement, name: string, positive: boolean): number {
  const v = Number(input.value);
  if (input.value.trim() === "" || !Number.isFinite(v) || (positive ? !(v > 0) : v < 0)) {
    throw new Error(`${name} must be a number ${positive ? "> 0" : "≥ 0"}, got "${input.value}"`);
  }
  if (input.max !== "" && v > Number(input.max)) throw new Error(`${name} must be at most ${input.max}, got ${v}`);
  return v;
}

/** Any number within the field's min / max. */
export function numberField(input: HTMLInputElement, name: string): number {
  const v = Number(input.value);
  const min = input.min === "" ? -Infinity : Number(input.min), max = input.max === "" ? Infinity : Number(input.max);
  if (input.value.trim() === "" || !Number.isFinite(v) || v < min || v > max) throw new Error(`${name} must be a number from ${min} to ${max}, got "${input.value}"`);
  return v;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
