// Shared pieces of the real-browser tests: a small static server, Debian's Chromium through playwright-core,
// prerequisites (skipped locally, failing under CI=true), error collection and time limits.
// Every test starts its own server and browser and closes both in `finally`, so a failure leaves nothing behind
// (uvu's before-hooks would swallow a failed launch: a throwing hook only shortens the count, the exit code stays 0).

import { createServer, type Server } from "node:http";
import { createReadStream, existsSync, mkdirSync, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { Test } from "uvu";
import * as assert from "uvu/assert";

/** The repository root (this file runs as dist/test/browser/harness.js). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const RESULTS_DIR = join(REPO_ROOT, "test-results");

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
/** Without the background-networking flags Chromium keeps trying to reach Google on this closed network. */
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];

export const IN_CI = process.env.CI === "true";

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
  ".wrnn": "application/octet-stream",
};

export interface StaticServer {
  /** http://127.0.0.1:port (no trailing slash). */
  origin: string;
  /** Paths requested so far, in order, with their status and Content-Type. */
  requests: { path: string; status: number; type: string }[];
  close(): Promise<void>;
}

/**
 * Serves `root` on 127.0.0.1 (a secure context, like localhost). With `isolated`, every response carries
 * COOP/COEP, so the page is cross-origin isolated and SharedArrayBuffer (threads) is available.
 */
export async function startServer(root: string, { isolated = false } = {}): Promise<StaticServer> {
  const base = resolve(root);
  const requests: StaticServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    let path = "/";
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      path = "\0";
    }
    let file = resolve(base, "." + path);
    if (file !== base && !file.startsWith(base + sep)) file = "\0";
    else if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    const headers: Record<string, string> = { "Cache-Control": "no-store" };
    if (isolated) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      requests.push({ path, status: 405, type: "" });
      res.writeHead(405, headers).end();
      return;
    }
    if (file === "\0" || !existsSync(file) || !statSync(file).isFile()) {
      requests.push({ path, status: 404, type: "" });
      res.writeHead(404, { ...headers, "Content-Type": "text/plain" }).end(`not found: ${path}`);
      return;
    }
    const type = MIME[extname(file).toLowerCase()] ?? "application/octet-stream";
    requests.push({ path, status: 200, type });
    res.writeHead(200, { ...headers, "Content-Type": type, "Content-Length": String(statSync(file).size) });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

/** What the page reported that should not happen: uncaught errors, console errors, failed or 4xx/5xx requests. */
export function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.stack ?? e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
  });
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on("crash", () => problems.push("the page crashed"));
  return problems;
}

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  server: StaticServer;
  problems: string[];
}

/**
 * Starts a server on `root` and Chromium, opens one page (viewport as given), runs `body`, then closes the
 * browser and the server whatever happened. `body` is cut off after `timeoutMs`.
 */
export async function withBrowser<T>(
  options: { root: string; isolated?: boolean; viewport?: { width: number; height: number }; timeoutMs: number },
  body: (s: Session) => Promise<T>,
): Promise<T> {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    server = await startServer(options.root, { isolated: options.isolated });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 20_000 });
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    context.setDefaultTimeout(20_000);
    // window "error" events that are not uncaught exceptions (playwright's pageerror misses them), e.g.
    // "ResizeObserver loop completed with undelivered notifications"
    await context.addInitScript(() => {
      addEventListener("error", (e) => {
        if (!(e instanceof ErrorEvent) || e.error instanceof Error) return; // exceptions come as pageerror
        console.error(`window error event: ${e.message}`);
      });
    });
    const page = await context.newPage();
    const problems = collectProblems(page);
    const session: Session = { browser, context, page, server, problems };
    const limit = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`timed out after ${options.timeoutMs} ms; page problems so far: ${describeProblems(problems)}`)), options.timeoutMs);
    });
    return await Promise.race([body(session), limit]);
  } finally {
    clearTimeout(timer);
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  }
}

/**
 * Opens `url` (on the session's server) and waits for the page to leave its result in `window[key]`:
 * { status: "ready" | "failed", error?, … }. Fails with the page's error and problems unless it is ready
 * and the page reported no problem.
 */
export async function pageResult<R extends { status: string; error?: string }>(s: Session, url: string, key: string): Promise<R> {
  await s.page.goto(`${s.server.origin}${url}`);
  try {
    await s.page.waitForFunction((k) => (window as unknown as Record<string, unknown>)[k] !== undefined, key, { timeout: 20_000 });
  } catch (e) {
    throw new Error(`the page did not finish: ${(e as Error).message}; page problems: ${describeProblems(s.problems)}`);
  }
  const r = await s.page.evaluate((k) => (window as unknown as Record<string, R>)[k], key);
  assert.is(r.status, "ready", `the page failed: ${r.error}; page problems: ${describeProblems(s.problems)}`);
  assert.equal(s.problems, [], `page problems: ${describeProblems(s.problems)}`);
  return r;
}

export function describeProblems(problems: string[]): string {
  return problems.length === 0 ? "none" : "\n    " + problems.join("\n    ");
}

/** Why the tests cannot run here (null when they can). */
export function missingPrerequisite(needs: { path: string; what: string }[]): string | null {
  const missing = needs.filter((n) => !existsSync(n.path));
  return missing.length === 0 ? null : missing.map((n) => `${n.what} (${n.path}) not found`).join("; ");
}

export const CHROMIUM_NEED = { path: CHROMIUM_PATH, what: "Chromium (apt-get install chromium, or set CHROMIUM_PATH)" };

/**
 * Registers a browser test. With a missing prerequisite it is skipped with the reason printed, except under
 * CI=true, where it fails with that reason.
 */
export function browserTest(test: Test, missing: string | null, name: string, handler: () => Promise<void>): void {
  if (missing === null) {
    test(name, handler);
  } else if (IN_CI) {
    test(name, () => {
      throw new Error(`CI=true and ${missing}: the real-browser tests must run in CI`);
    });
  } else {
    console.log(`  skipped "${name}": ${missing}`);
    test.skip(name, handler);
  }
}

export function resultsPath(file: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  return join(RESULTS_DIR, file);
}

/** Base64 of a float array's bytes, so numbers cross the page boundary exactly (−0 and NaN bits included). */
export function floatsFromBase64(b64: string): Float32Array {
  const bytes = Buffer.from(b64, "base64");
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

export function base64OfFloats(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}
