import { describeError } from "./attempt.js";
import type { PoolFetch } from "./pool-types.js";

/** A probe's deadline: an abort signal with a reason that says what did not come in time. */
function deadline(timeoutMs: number, what: string) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`${what} within ${timeoutMs} ms`, "TimeoutError")), timeoutMs);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

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
  const { signal, clear } = deadline(options.timeoutMs, "no answer");
  try {
    const response = await options.fetch(`${options.baseUrl}/health`, { headers: options.headers, signal });
    await response.arrayBuffer();
    return response.ok ? undefined : `health check: HTTP ${response.status}`;
  } catch (error) {
    return `health check: ${describeError(error)}`;
  } finally {
    clear();
  }
}

/**
 * A one-token chat completion: an engine can answer `/health` while its generation route hangs
 * (a wedged scheduler, a stuck GPU), and only asking it to generate tells. Returns undefined when
 * it answered in time (200 with a completion, or a 4xx), else why not. Sent only to an idle endpoint that has
 * not generated anything lately (see pool.ts), so a busy GPU is never asked for extra work.
 */
export async function probeGeneration(options: {
  fetch: PoolFetch;
  baseUrl: string;
  headers: Record<string, string>;
  model: string;
  timeoutMs: number;
}): Promise<string | undefined> {
  const { signal, clear } = deadline(options.timeoutMs, "no completion");
  try {
    const response = await options.fetch(`${options.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { ...options.headers, "content-type": "application/json" },
      body: JSON.stringify({ model: options.model, messages: [{ role: "user", content: "ping" }], max_tokens: 1, temperature: 0 }),
      signal,
    });
    const text = await response.text();
    // A prompt 4xx is an answer, not a hang (as for requests, see endpoint.ts): an engine that refuses
    // the probe's request (a 404 for an unknown model name, say) is not taken out of rotation for it.
    if (response.status < 500 && !response.ok) return undefined;
    if (!response.ok) return `generation check: HTTP ${response.status}`;
    try {
      const body = JSON.parse(text) as { choices?: unknown };
      return Array.isArray(body.choices) ? undefined : "generation check: the reply is not a chat completion";
    } catch {
      return "generation check: the reply is not JSON";
    }
  } catch (error) {
    return `generation check: ${describeError(error)}`;
  } finally {
    clear();
  }
}
