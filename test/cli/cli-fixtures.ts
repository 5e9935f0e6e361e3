// The files the CLI fuzzer hands to the command line, made in a temp folder: good and bad texts, a trained
// model and its checkpoint, damaged models, special files. Runs may replace some of them (with --force, or a
// --resume writing its own files), so restore() puts each back after every case: cases stay independent.

import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadModel } from "../../src/node.js";
import { deepArray, editHeader } from "./checkpoint-edit.js";
import { runMain } from "./run-main.js";

/** Names the fuzzer may pass where a file is read (relative to the fixture folder, the fuzz's cwd). */
export const FILES = [
  "tiny.txt", "zh.txt", "crlf.txt", "empty.txt", "binary.bin", "folder", "missing.txt", "fifo", "/dev/zero", "/dev/urandom",
  "fx.wrnn", "fx.wrnn.ckpt", "fx.safetensors", "corrupt.wrnn", "truncated.wrnn", "deep.ckpt", "vocab.json", "deep-vocab.json",
  "", "tiny.txt/inside",
];

/** Names the fuzzer may pass where a file is written, besides fresh ones: existing, special and impossible. */
export const OUTPUTS = [
  "fx.wrnn", "tiny.txt", "folder", "fifo", "tiny.txt/x.wrnn", "", "模型🙂.wrnn", `${"a".repeat(300)}.wrnn`, "deep/er/m.wrnn",
  "/sys/wasm-rnn-fuzz.wrnn", "model.wrnn",
];

type Fixture = { kind: "file"; bytes: Buffer } | { kind: "folder" } | { kind: "fifo" };

const TEXT = "The Time Traveller (for so it will be convenient to speak of him) was expounding a recondite matter to us.\n"
  + "His grey eyes shone and twinkled, and his usually pale face was flushed and animated. Don't you see? 🙂\n";

export class Fixtures {
  private readonly saved = new Map<string, Fixture>();
  readonly hasFifo: boolean;

  private constructor(readonly dir: string) {
    this.hasFifo = spawnSync("mkfifo", [join(dir, "fifo")]).status === 0;
  }

  /** Makes the fixtures in `dir` (trains the tiny model in-process) and remembers them for restore(). */
  static async make(dir: string): Promise<Fixtures> {
    const f = new Fixtures(dir);
    const at = (name: string) => join(dir, name);
    writeFileSync(at("tiny.txt"), TEXT.repeat(8));
    writeFileSync(at("zh.txt"), "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n".repeat(10));
    writeFileSync(at("crlf.txt"), "one line\r\nanother line\r\n".repeat(30));
    writeFileSync(at("empty.txt"), "");
    writeFileSync(at("binary.bin"), Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) & 255)));
    mkdirSync(at("folder"));
    const trained = await runMain(["train", at("tiny.txt"), "--hidden", "8", "--batch", "2", "--steps", "4", "--epochs", "1", "--seed", "1", "--out", "fx.wrnn", "--quiet"]);
    if (trained.code !== 0) throw new Error(`fixture training failed: ${trained.stderr}`);
    const converted = await runMain(["convert", at("fx.wrnn"), at("fx.safetensors")]);
    if (converted.code !== 0) throw new Error(`fixture conversion failed: ${converted.stderr}`);
    const model = readFileSync(at("fx.wrnn"));
    const corrupt = Buffer.from(model);
    corrupt[corrupt.length - 100] ^= 0xff;
    writeFileSync(at("corrupt.wrnn"), corrupt);
    writeFileSync(at("truncated.wrnn"), model.subarray(0, model.length >> 1));
    writeFileSync(at("deep.ckpt"), editHeader(readFileSync(at("fx.wrnn.ckpt")), (h) => (h.training.settings.hidden = "DEEP"), { DEEP: deepArray(100_000) }));
    const { lm, vocab } = await loadModel(at("fx.wrnn"));
    lm.dispose();
    writeFileSync(at("vocab.json"), JSON.stringify(vocab));
    writeFileSync(at("deep-vocab.json"), deepArray(20_000)); // also read as a corpus: kept small
    for (const name of FILES) f.remember(name);
    return f;
  }

  private remember(name: string): void {
    if (name === "" || name.startsWith("/") || name.includes("/")) return;
    const path = join(this.dir, name);
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (!info) return; // missing on purpose
    this.saved.set(name, info.isDirectory() ? { kind: "folder" } : info.isFIFO() ? { kind: "fifo" } : { kind: "file", bytes: readFileSync(path) });
  }

  /** Puts back every fixture a run replaced or removed. */
  restore(): void {
    for (const [name, fixture] of this.saved) {
      const path = join(this.dir, name);
      const info = lstatSync(path, { throwIfNoEntry: false });
      const intact = fixture.kind === "folder" ? info?.isDirectory()
        : fixture.kind === "fifo" ? info?.isFIFO()
        : info?.isFile() && info.size === fixture.bytes.length && readFileSync(path).equals(fixture.bytes);
      if (intact) continue;
      rmSync(path, { recursive: true, force: true });
      if (fixture.kind === "folder") mkdirSync(path);
      else if (fixture.kind === "fifo") spawnSync("mkfifo", [path]);
      else writeFileSync(path, fixture.bytes);
    }
    rmSync(join(this.dir, "missing.txt"), { force: true });
  }
}
