// Small pieces shared by the Classify and Forecast workers.

/** Lets queued messages (stop, classify) run: a macrotask without setTimeout's 4 ms clamp. */
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
