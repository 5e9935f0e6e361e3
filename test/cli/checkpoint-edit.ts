// Rewrites the JSON header of a wasm-rnn model file or checkpoint (with a valid checksum), to make the damaged
// and hostile files the tests feed the command line. Text that JSON.stringify cannot produce (a value nested
// 100,000 deep) goes in through `raw`: each key, a string value in the edited header, is replaced by its text.

import { createHash } from "node:crypto";

const FIXED = 16, DIGEST = 32;
const align = (n: number) => Math.ceil(n / 16) * 16;

export function editHeader(bytes: Uint8Array, edit: (header: Record<string, any>) => void, raw: Record<string, string> = {}): Uint8Array {
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(FIXED, FIXED + headerBytes)).toString("utf8"));
  const data = bytes.subarray(align(FIXED + headerBytes), bytes.length - DIGEST);
  edit(header);
  let json = JSON.stringify(header);
  for (const [marker, text] of Object.entries(raw)) json = json.replace(JSON.stringify(marker), () => text);
  const jsonBytes = Buffer.from(json, "utf8");
  const dataStart = align(FIXED + jsonBytes.length);
  const out = new Uint8Array(dataStart + data.length + DIGEST);
  out.set(bytes.subarray(0, 12)); // magic and version
  new DataView(out.buffer).setUint32(12, jsonBytes.length, true);
  out.set(jsonBytes, FIXED);
  out.set(data, dataStart);
  out.set(createHash("sha256").update(out.subarray(0, out.length - DIGEST)).digest(), out.length - DIGEST);
  return out;
}

/** `[[[…1…]]]` nested `depth` deep, as JSON text. */
export function deepArray(depth: number): string {
  return "[".repeat(depth) + "1" + "]".repeat(depth);
}

/** `{"a":{"a":…}}` nested `depth` deep, as JSON text. */
export function deepObject(depth: number): string {
  return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}
