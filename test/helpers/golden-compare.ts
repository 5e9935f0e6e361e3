// The golden tests' comparison: every result within |got − want| ≤ 1e-4 + 1e-3·|want| of PyTorch's float64
// reference, and each file's worst error printed as a fraction of that tolerance.

import * as assert from "uvu/assert";
import { worstRatio } from "./golden.js";

/** Checks named results against the reference, prints the worst ratio, fails above the tolerance. */
export function compareAll(name: string, checks: [string, ArrayLike<number> | undefined, number[]][]): void {
  let worst = 0, worstName = "";
  for (const [what, got, want] of checks) {
    assert.ok(got, `${what} missing`);
    const { ratio, index } = worstRatio(got!, want);
    if (ratio > worst) { worst = ratio; worstName = what; }
    assert.ok(ratio <= 1, `${name}: ${what}[${index}] = ${got![index]}, PyTorch ${want[index]} (${ratio.toFixed(2)}× tolerance)`);
  }
  console.log(`  ${name.padEnd(40)} worst ${(worst * 100).toFixed(3)}% of tolerance (${worstName})`);
}
