import { describeError } from "./attempt.js";
import type { PoolFetch } from "./pool-types.js";

/**
 * One `GET /health` (vLLM answers 200 with an empty body once the model is loaded). Returns
 * undefined when healthy, else why not. The body is always consumed so the probe's connection
 * goes back to the keep-alive pool instead of being torn down.
 */
export async function probeHealth(options: {
  fetch: PoolFetch;
  baseUrl: string;
  headers: Record<string, string>;
  timeoutMs: number;
}): Promise<string | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no answer within ${options.timeoutMs} ms`, "TimeoutError")),
    options.timeoutMs,
  );
  try {
    const response = await options.fetch(`${options.baseUrl}/health`, { headers: options.headers, signal: controller.signal });
    await response.arrayBuffer();
    return response.ok ? undefined : `health check: HTTP ${response.status}`;
  } catch (error) {
    return `health check: ${describeError(error)}`;
  } finally {
    clearTimeout(timer);
  }
}
