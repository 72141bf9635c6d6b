/** Helpers shared by this folder's tests (not used by the engine itself). */
import { createEmulatedEngine, type EmulatedEngine, type EmulatedEngineOptions } from "./index.js";

export const engineOrigin = "http://engine.test";

export function createTestEngine(options: EmulatedEngineOptions = {}): EmulatedEngine {
  let counter = 0;
  return createEmulatedEngine({
    now: () => Date.UTC(2025, 0, 1),
    createId: () => `test${(counter += 1)}`,
    ...options,
  });
}

export function postJson(engine: EmulatedEngine, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return engine.fetch(
    new Request(`${engineOrigin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    }),
  );
}

/**
 * Splits an SSE body into its `data:` payloads, checking the framing a strict
 * client relies on: every event is exactly one `data: ` line followed by a blank line.
 */
export function parseSseFrames(body: string): string[] {
  if (!body.endsWith("\n\n")) throw new Error(`SSE body does not end with a blank line: ${JSON.stringify(body.slice(-20))}`);
  return body
    .slice(0, -2)
    .split("\n\n")
    .map((frame) => {
      if (!frame.startsWith("data: ") || frame.includes("\n")) throw new Error(`Malformed SSE frame: ${JSON.stringify(frame)}`);
      return frame.slice("data: ".length);
    });
}

/** Payloads before `[DONE]`, parsed; throws unless the stream ends with exactly one `[DONE]`. */
export function parseSseJson(body: string): Array<Record<string, unknown>> {
  const frames = parseSseFrames(body);
  if (frames.at(-1) !== "[DONE]" || frames.indexOf("[DONE]") !== frames.length - 1) {
    throw new Error("SSE stream must end with a single data: [DONE]");
  }
  return frames.slice(0, -1).map((frame) => JSON.parse(frame) as Record<string, unknown>);
}
