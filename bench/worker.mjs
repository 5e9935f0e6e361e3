// One peer × one workload, in a process of its own (so its peak RSS is its own), driven by bench/run.mjs over
// IPC: setup → check → warm-up → timed repeats (interleaved with the other peers' processes) → stats.
// Only the parent decides when this process computes, so the peers never run at the same time.

const PEERS = {
  "wasm-rnn": () => import("./peers/wasm-rnn.mjs"),
  "tfjs-cpu": () => import("./peers/tfjs.mjs"),
  "tfjs-wasm": () => import("./peers/tfjs.mjs"),
  "ort-web": () => import("./peers/ort.mjs"),
  "ort-node": () => import("./peers/ort.mjs"),
  "brain.js": () => import("./peers/brain.mjs"),
};

let peer = null;

async function callOnce() {
  const r = peer.run();
  if (peer.async) await r;
}

async function timeCalls(iters) {
  const t0 = performance.now();
  if (peer.async) for (let i = 0; i < iters; i++) await peer.run();
  else for (let i = 0; i < iters; i++) peer.run();
  return (performance.now() - t0) / 1000;
}

const memoryStats = () => {
  const m = process.memoryUsage();
  return {
    rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers,
    maxRSS: process.resourceUsage().maxRSS * 1024, // bytes (Linux reports KiB)
    ...(peer?.memory ? peer.memory() : {}),
  };
};

const handlers = {
  async setup({ peerId, workload, options }) {
    const t0 = performance.now();
    const mod = await PEERS[peerId]();
    const rssBefore = process.memoryUsage().rss;
    const created = await mod.create(workload, options);
    if (created.na) return { na: created.na };
    peer = created;
    return { info: peer.info ?? {}, form: peer.form ?? null, setupSeconds: (performance.now() - t0) / 1000, rssAfterImport: rssBefore };
  },
  async check() {
    const data = await peer.check();
    return { data };
  },
  /** Runs the workload for at least minCalls calls and minMs; returns the median call time of the last calls. */
  async warmup({ minCalls, minMs, maxMs }) {
    const started = performance.now();
    const times = [];
    while (times.length < minCalls || performance.now() - started < minMs) {
      const t0 = performance.now();
      await callOnce();
      times.push((performance.now() - t0) / 1000);
      if (performance.now() - started > maxMs && times.length >= 1) break;
    }
    const tail = times.slice(Math.floor(times.length / 2)).sort((a, b) => a - b);
    return { calls: times.length, secondsPerCall: tail[tail.length >> 1], seconds: (performance.now() - started) / 1000 };
  },
  async repeat({ iters }) {
    const seconds = await timeCalls(iters);
    return { seconds, secondsPerCall: seconds / iters };
  },
  async stats() {
    return memoryStats();
  },
};

process.on("message", async (msg) => {
  try {
    const result = await handlers[msg.type](msg);
    process.send({ id: msg.id, ok: true, result });
  } catch (e) {
    process.send({ id: msg.id, ok: false, error: e?.stack ?? String(e) });
  }
});
process.on("disconnect", () => process.exit(0));
