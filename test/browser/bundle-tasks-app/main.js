// A bundled app that imports only "wasm-rnn/tasks": Vite resolves it through the package's exports (its
// "browser" condition; no alias: inside the repository the bare name is the package's reference to itself, as
// from an app's node_modules), and emits the wasm files as assets.
import * as tasks from "wasm-rnn/tasks";
import { installTaskChecks } from "../task-page.js";

await installTaskChecks(tasks, document.getElementById("status"));
