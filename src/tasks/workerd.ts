// The workerd entry of "wasm-rnn/tasks": everything of tasks/index.ts, with the workerd init (the wasm builds
// bundled as modules; see ../workerd.ts).
export * from "./index.js";
export { init } from "../workerd.js";
