// A Cloudflare-style module worker that serves a wasm-rnn language model:
//
//   POST /generate  {"prefix": "The ", "length": 200, "temperature": 0.8, "topK": 10, "topP": 0.95, "seed": 7}
//     → 200 text/plain, the generated continuation, streamed token by token as it is sampled
//   GET  /          → the model's description (JSON)
//
// The model is the file model.wrnn next to this one, bundled with the worker as a Data module (an ArrayBuffer;
// wrangler.toml has the rule). "wasm-rnn" resolves through the package's "workerd" export condition to an
// entry that imports the wasm builds as modules, since workerd compiles no wasm from bytes at run time.
// Set the variable WASM_RNN_BUILD to "simd" or "relaxed" to choose a build (default: the best one).

import { init, decodeModel, generate } from "wasm-rnn";
import modelData from "./model.wrnn";

const MAX_LENGTH = 2000;

/** @type {Promise<{ lm: import("wasm-rnn").LanguageModel, vocab: import("wasm-rnn").Vocabulary, build: string }> | undefined} */
let ready; // the wasm and the model, loaded once per isolate, on the first request

function load(env) {
  ready ??= (async () => {
    const { build } = await init(env.WASM_RNN_BUILD ? { build: env.WASM_RNN_BUILD } : {});
    const { lm, vocab } = await decodeModel(new Uint8Array(modelData), "model.wrnn");
    if (!vocab) throw new Error("model.wrnn has no vocabulary (a bare safetensors export?): save it with saveModel / encodeModel");
    return { lm, vocab, build };
  })();
  ready.catch(() => { ready = undefined; }); // a failed load is retried by the next request
  return ready;
}

export default {
  /** @param {Request} request @param {Record<string, string>} env */
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/" && request.method === "GET") {
      const { lm, vocab, build } = await load(env);
      return Response.json({ model: lm.config, vocabulary: { size: vocab.size, level: vocab.level }, build, usage: "POST /generate {prefix, length, temperature, topK, topP, seed}" });
    }
    if (pathname !== "/generate") return problem(404, `no route ${pathname}: POST /generate`);
    if (request.method !== "POST") return problem(405, "use POST /generate with a JSON body", { Allow: "POST" });

    let body;
    try {
      body = await request.json();
    } catch {
      return problem(400, "the body must be JSON: {prefix, length, temperature, topK, topP, seed}");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) return problem(400, "the body must be a JSON object");
    const { prefix, length = 200, temperature, topK, topP, seed = 0 } = body;
    if (typeof prefix !== "string" || prefix.length === 0) return problem(400, `prefix must be a non-empty string, got ${JSON.stringify(prefix)}`);
    if (!Number.isInteger(length) || length < 1 || length > MAX_LENGTH) return problem(400, `length must be an integer in [1, ${MAX_LENGTH}], got ${JSON.stringify(length)}`);

    const { lm, vocab, build } = await load(env);
    const pieces = generate(lm, vocab, prefix, length, { temperature, topK, topP, seed });
    let first;
    try {
      first = pieces.next(); // runs the checks (sampling options, prefix tokens) before the response starts
    } catch (e) {
      if (e instanceof RangeError || e instanceof TypeError) return problem(400, e.message);
      throw e;
    }
    const encoder = new TextEncoder();
    const stream = new ReadableStream({
      start(controller) {
        if (first.done) controller.close();
        else controller.enqueue(encoder.encode(first.value));
      },
      // one token per read: the client gets each piece as soon as it is sampled
      pull(controller) {
        const next = pieces.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      cancel() {
        pieces.return(undefined); // frees the generation's state in wasm memory
      },
    }, { highWaterMark: 0 });
    return new Response(stream, {
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "X-Wasm-Rnn-Build": build },
    });
  },
};

function problem(status, message, headers = {}) {
  return Response.json({ error: message }, { status, headers });
}
