import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKey, model as chatModel, startArchiveServer, type ArchiveServer } from "./archive-server.js";

/**
 * Clients that give up on a streamed response or completion (the SDK's AbortController, a loop
 * that `break`s): the engine request is cancelled, nothing is stored, and Archive stays healthy.
 */
let archive: ArchiveServer;

beforeAll(async () => {
  // A slow engine, so every client leaves long before the reply is complete.
  archive = await startArchiveServer({ env: { MEMORY_RETRIEVAL: "false" }, engine: { tokenDelayMs: 20, firstTokenDelayMs: 10 } });
});
afterAll(() => archive?.close());

const sdk = () => new OpenAI({ baseURL: archive.baseURL, apiKey: apiKey, maxRetries: 0 });

async function eventually(condition: () => boolean | Promise<boolean>) {
  await expect.poll(condition, { timeout: 5000 }).toBe(true);
}

describe("abandoned streams on the new routes", () => {
  it("cancels the engine when a responses stream is aborted or broken off, and stores nothing", async () => {
    const chat = archive.engine.engine.stats.of("chat");
    const before = chat.aborted;
    const ids: string[] = [];
    for (let round = 0; round < 6; round++) {
      const controller = new AbortController();
      const stream = await sdk().responses.create({ model: chatModel, input: `Tell me a long story, number ${round}`, stream: true }, { signal: controller.signal });
      let deltas = 0;
      for await (const event of stream) {
        if (event.type === "response.created") ids.push(event.response.id);
        if (event.type === "response.output_text.delta" && ++deltas === 2) {
          if (round % 2 === 0) controller.abort();
          else break;
        }
      }
    }
    await eventually(() => chat.aborted - before === 6 && chat.inFlight === 0);
    for (const id of ids) await expect(sdk().responses.retrieve(id)).rejects.toMatchObject({ status: 404 });
    const health = await fetch(archive.baseURL.replace(/\/v1$/, "/health"));
    expect(((await health.json()) as { status: string }).status).not.toBe("unhealthy");
  });

  it("cancels the engine when a completions stream is abandoned", async () => {
    const completion = archive.engine.engine.stats.of("completion");
    const before = completion.aborted;
    for (let round = 0; round < 4; round++) {
      const stream = await sdk().completions.create({ model: chatModel, prompt: "Tell me about the harbour and", max_tokens: 200, stream: true });
      // The emulated continuation of this prompt is ten tokens, 20 ms apart: two in, the client leaves.
      let chunks = 0;
      for await (const _chunk of stream) if (++chunks === 2) break;
    }
    await eventually(() => completion.aborted - before === 4 && completion.inFlight === 0);
    // And the next request is answered as usual.
    const answer = await sdk().completions.create({ model: chatModel, prompt: "Hello", max_tokens: 4 });
    expect(answer.choices[0]?.text).toMatch(/\S/);
  });
});
