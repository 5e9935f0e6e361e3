// Small pieces shared by the page's training workers (worker.ts, classify-worker.ts, forecast-worker.ts).

/** Lets queued messages (stop, generate, classify…) run: a macrotask without setTimeout's 4 ms clamp. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Answers the page's messages once `ready` (the wasm core) has settled, one handler call per message; whatever
 * a handler throws, and any promise nobody awaited, reaches the page as an error message instead of the console.
 */
export function serveMessages<T>(ready: Promise<unknown>, handle: (message: T) => unknown, post: (message: { type: "error"; message: string }) => void): void {
  self.onmessage = async (event: MessageEvent<T>) => {
    try {
      await ready;
      await handle(event.data);
    } catch (e) {
      post({ type: "error", message: errorText(e) });
    }
  };
  self.addEventListener("unhandledrejection", (event) => {
    post({ type: "error", message: errorText((event as PromiseRejectionEvent).reason) });
  });
}
