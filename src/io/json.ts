// JSON from files is walked by recursive code later (JSON.stringify when a checkpoint is saved again,
// structuredClone in a worker): nesting deep enough to overflow the stack is refused at decode instead.

/** Deeper nesting than any file we write (ours is ≤ 4 levels); deeper JSON would overflow recursive walks. */
export const MAX_JSON_DEPTH = 32;

/** Throws when `value` nests arrays / objects deeper than MAX_JSON_DEPTH (checked without recursion). */
export function checkJsonDepth(value: unknown, fail: (problem: string) => Error): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= MAX_JSON_DEPTH) throw fail(`its JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** One safetensors metadata value (a string holding JSON), parsed and depth-checked; errors name the file and key. */
export function parseMetadataJson(metadata: Record<string, string>, key: string, source: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(metadata[key]);
  } catch {
    throw new Error(`${source} has unreadable metadata: "${key}" is not JSON`);
  }
  checkJsonDepth(value, (problem) => new Error(`${source} has unreadable metadata: "${key}": ${problem}`));
  return value;
}
