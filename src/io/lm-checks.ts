// The language models' configuration checks: a stored configuration against the tensors of the file, and the
// optimizer groups it implies (the checks every decoder shares are in checks.ts).

import { formatBytes } from "../../bindings/index.js";
import { languageModelShapes, resolveLanguageModelConfig, type LanguageModelConfig } from "../lm/config.js";
import { checkTensorShapes } from "./checks.js";

/**
 * Resolves a stored configuration and checks that `shapes` (the file's tensors) are exactly the parameters it
 * implies: same names, same shapes. Only then may a model be built: its size is then the file's.
 */
export function checkModelTensors(config: unknown, shapes: Record<string, number[]>, source: string): LanguageModelConfig {
  let resolved: LanguageModelConfig;
  try {
    resolved = resolveLanguageModelConfig(config);
  } catch (e) {
    throw new Error(`${source} has an invalid model configuration: ${(e as Error).message}`, { cause: e });
  }
  const expected = languageModelShapes(resolved);
  const parameters = Object.values(expected).reduce((n, shape) => n + count(shape), 0);
  checkTensorShapes(expected, shapes, source, `its configuration (vocabSize ${resolved.vocabSize}, hiddenSize ${resolved.hiddenSize}, numLayers ${resolved.numLayers}) implies ${parameters.toLocaleString("en-US")} parameters (${formatBytes(parameters * 4)})`);
  return resolved;
}

/** Parameter counts per optimizer group ("embedding", "rnn", "fc"), in the model's order. */
export function groupSizes(config: LanguageModelConfig): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const [name, shape] of Object.entries(languageModelShapes(config))) {
    const group = name.slice(0, name.indexOf("."));
    sizes.set(group, (sizes.get(group) ?? 0) + count(shape));
  }
  return sizes;
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
