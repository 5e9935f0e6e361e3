// `wasm-rnn quantize <model> --to int8|f16 --out <file>`: an inference copy of a language model or a task
// model with int8 or f16 weight matrices, in wasm-rnn's format or safetensors (the extension decides).

import { statSync } from "node:fs";
import { Command, Option } from "commander";
import { init, saveModel } from "../node.js";
import { formatBytes } from "../io/files.js";
import { saveTaskModel } from "../tasks/node.js";
import { addModelLoadOptions, describeModel, describeTaskModel, loadModelFile, type ModelLoadOptions } from "./convert.js";
import { fail } from "./errors.js";
import { givenFlags } from "./given-flags.js";
import { isTaskModelFile, refuseLanguageModelFlags } from "./model-kind.js";
import { prepareOutput } from "./outputs.js";
import { loadTask } from "./task-use.js";
import { filePath } from "./values.js";

interface QuantizeFlags extends ModelLoadOptions {
  to: "int8" | "f16";
  out: string;
  force?: boolean;
}

export function registerQuantize(program: Command): void {
  const command = program
    .command("quantize")
    .description("write an inference copy of a model with int8 weights (about ¼ of the file, int8 products: faster at batch 1) or f16 weights (½ of the file)")
    .argument("<model>", "a .wrnn model, a checkpoint (its model) or a .safetensors file, of a language model or a task model", filePath)
    .addOption(new Option("--to <type>", "the weight type").choices(["int8", "f16"]).makeOptionMandatory())
    .requiredOption("--out <file>", "the file to write: .safetensors for safetensors, anything else for wasm-rnn's format", filePath)
    .option("--force", "replace --out if it exists");
  addModelLoadOptions(command).action(async (input: string, options: QuantizeFlags, cmd: Command) => {
    if (input === options.out) fail(`--out ${options.out} is the model being quantized; write the quantized copy to another file`);
    const task = await isTaskModelFile(input);
    if (task) refuseLanguageModelFlags(givenFlags(cmd), input);
    await prepareOutput(options.out, { what: "the quantized model", force: options.force ?? false, alternative: "give another --out path" });
    await init();
    const sizes = () => {
      const before = statSync(input).size, after = statSync(options.out).size;
      return `${formatBytes(after)}, ${((100 * after) / before).toFixed(0)} % of ${input}'s ${formatBytes(before)}`;
    };
    if (task) {
      const model = await loadTask(input, options);
      try {
        if (model.weightType !== "f32") fail(`${input} is already ${model.weightType}; quantize the f32 model it came from`);
        const q = model.quantize({ weights: options.to });
        try {
          await saveTaskModel(options.out, q);
          process.stdout.write(`wrote ${options.out}: ${options.to} weights, ${sizes()}; ${describeTaskModel(q)}\n`);
        } finally {
          q.dispose();
        }
      } finally {
        model.dispose();
      }
      return;
    }
    const { lm, vocab } = await loadModelFile(input, options);
    try {
      if (lm.weightType !== "f32") fail(`${input} is already ${lm.weightType}; quantize the f32 model it came from`);
      const q = lm.quantize({ weights: options.to });
      try {
        await saveModel(options.out, q, vocab);
        process.stdout.write(`wrote ${options.out}: ${options.to} weights, ${sizes()}; ${describeModel(q, vocab)}\n`);
      } finally {
        q.dispose();
      }
    } finally {
      lm.dispose();
    }
  });
}
