// `wasm-rnn generate <model>`: continues a prefix, writing each token to stdout as soon as it is drawn.

import { Command, Option } from "commander";
import { generate, type Vocabulary } from "../node.js";
import { addModelLoadOptions, loadModelWithVocab, type ModelLoadOptions } from "./convert.js";
import { fail } from "./errors.js";
import { filePath, positiveFloat, positiveInt, probability, seed } from "./values.js";

interface GenerateFlags extends ModelLoadOptions {
  prefix?: string;
  length: number;
  temperature: number;
  topK?: number;
  topP?: number;
  greedy?: boolean;
  seed: number;
}

/** Without --prefix: a newline when the vocabulary has one (text made of lines), else its most frequent token. */
export function defaultPrefix(vocab: Vocabulary): string {
  if (vocab.has("\n")) return "\n";
  const token = vocab.tokens.find((t, id) => id !== vocab.unkId);
  if (token === undefined) fail("the model's vocabulary has only the unknown token");
  return token;
}

export function registerGenerate(program: Command): void {
  const command = program
    .command("generate")
    .description("generate text from a trained model, streamed to stdout")
    .argument("<model>", "a .wrnn model, a checkpoint or a .safetensors file with a vocabulary", filePath)
    .option("--prefix <text>", "text to continue (default: a newline if the vocabulary has one, else its most frequent token)")
    .option("--length <tokens>", "number of tokens to generate", positiveInt, 200)
    .option("--temperature <t>", "softmax temperature: lower is more conservative", positiveFloat, 1)
    .option("--top-k <k>", "draw only from the k most likely tokens", positiveInt)
    .option("--top-p <p>", "draw only from the most likely tokens whose probability reaches p (nucleus sampling)", probability)
    .addOption(new Option("--greedy", "always take the most likely token").conflicts(["temperature", "topK", "topP"]))
    .option("--seed <n>", "seed of the sampling generator", seed, 0);
  addModelLoadOptions(command).action(async (path: string, flags: GenerateFlags) => {
    const { lm, vocab } = await loadModelWithVocab(path, flags);
    try {
      const prefix = flags.prefix ?? defaultPrefix(vocab);
      if (vocab.tokenize(prefix).length === 0) fail(`the prefix ${JSON.stringify(prefix)} holds no ${vocab.level === "word" ? "word" : "character"}`);
      const pieces = generate(lm, vocab, prefix, flags.length, {
        greedy: flags.greedy ?? false, temperature: flags.temperature, topK: flags.topK, topP: flags.topP, seed: flags.seed,
      });
      // the prefix is echoed unless it is only whitespace (the default newline)
      let last = prefix.trim() === "" ? "\n" : prefix;
      if (prefix.trim() !== "") process.stdout.write(prefix);
      for (const piece of pieces) {
        process.stdout.write(piece);
        if (piece !== "") last = piece;
      }
      if (!last.endsWith("\n")) process.stdout.write("\n");
    } finally {
      lm.dispose();
    }
  });
}
