// The Node entry of "wasm-rnn/tasks" (also Deno and Bun): everything of tasks/index.ts, plus task models
// and checkpoints by file path.
export * from "./index.js";
export { saveTaskModel, loadTaskModel, saveTaskCheckpoint, loadTaskCheckpoint } from "../io/task-files.js";
