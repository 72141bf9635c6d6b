import type { Redis } from "ioredis";
import { readWavInfo } from "../../../functions/voice/index.js";
import { libraryIngestQueue } from "../../../functions/library/queue.js";
import { memoryQueues } from "../../../functions/memory/index.js";
import { openQueue, type QueueName } from "../../../shared/queues.js";
import { createRedisKeys } from "../../../shared/redis-keys.js";
import { makeProse } from "../../fixtures/make-pdfs.js";
import { chatRequestBody } from "../chat.js";
import { createHttpClient, createSseClient, keepAliveAgent, round, sendRequest, type StreamRequest } from "../load.js";
import { createSentences } from "../memory.js";
import type { RequestType } from "./capacity.js";

/** The deployment's keys: HTTP and worker processes run with the default REDIS_PREFIX. */
export const deploymentKeys = createRedisKeys("archive");

/** Spreads calls over several HTTP processes, as a load balancer would. */
function roundRobin(requests: readonly StreamRequest[]): StreamRequest {
  let next = 0;
  return (started) => requests[next++ % requests.length]!(started);
}

const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { "content-type": "application/json" } });

/** Jobs of a queue not yet finished (waiting, delayed, active, prioritized). */
export async function unfinishedJobs(redis: Redis, name: QueueName): Promise<number> {
  const queue = openQueue(name, redis, deploymentKeys);
  try {
    const counts = await queue.getJobCounts("waiting", "delayed", "active", "prioritized");
    return Object.values(counts).reduce((total, count) => total + count, 0);
  } finally {
    await queue.close();
  }
}

/** Waits (at most `timeoutMs`) until `name` has no unfinished job; resolves with the ms it took. */
export async function queueSettled(redis: Redis, name: QueueName, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs && (await unfinishedJobs(redis, name)) > 0) await new Promise((resolve) => setTimeout(resolve, 100));
  return round(performance.now() - started);
}

/** The utterance both voice directions use: a few seconds of speech, like a spoken chat turn. */
export const utterance = "Archive keeps what you tell it and finds it again when you ask.";

export interface VoiceSample {
  wav: Uint8Array;
  seconds: number;
}

/** The utterance as Archive's own synthesis speaks it, for the transcription load. */
export async function synthesizeSample(baseUrl: string): Promise<VoiceSample> {
  const answer = await sendRequest(keepAliveAgent(), `${baseUrl}/voice/synthesize`, json({ text: utterance, format: "wav" }));
  if (answer.status !== 200) throw new Error(`synthesis answered ${answer.status}`);
  const wav = new Uint8Array(answer.body);
  const info = readWavInfo(wav);
  if ("problem" in info) throw new Error(info.problem);
  return { wav, seconds: info.durationSeconds };
}

export interface RequestContext {
  baseUrls: readonly string[];
  engineUrl: string;
  redis: Redis;
  voice: VoiceSample;
  /** Step length and the number of levels are scaled down for a quick look (REPORT_QUICK=1). */
  quick: boolean;
}

/**
 * Every request type of the report against the running deployment, with its budget. Budgets are
 * what a user would notice: chat's first token, a search inside a chat's retrieval budget, a
 * small document searchable within seconds, a code run inside a second, voice in real time.
 */
export function requestTypes(context: RequestContext): RequestType[] {
  const { baseUrls, quick } = context;
  const each = (make: (base: string) => StreamRequest) => roundRobin(baseUrls.map(make));
  const levels = (all: number[]) => (quick ? all.filter((_, index) => index % 2 === 0) : all);
  const stepMs = (ms: number) => (quick ? Math.round(ms / 3) : ms);
  const minRequests = (count: number) => (quick ? Math.round(count / 3) : count);
  const questions = createSentences(99);
  const topics = ["harbour master", "broken compass", "lemons", "tidal charts fog", "cartographer patience", "winter harvest quay", "lost ledger red book", "bell tower storm"];
  let documents = 0;
  const audioMs = Math.round(context.voice.seconds * 1000);
  const run = crypto.randomUUID().slice(0, 8);

  const ingest = (base: string): StreamRequest => {
    const agent = keepAliveAgent();
    return async (started) => {
      const index = documents++;
      // Unique text each time: identical content is stored once and would not be ingested again.
      const text = `Document ${run}-${index}. ${makeProse(40, 1000 + index)}`;
      const upload = await sendRequest(agent, `${base}/library/documents?filename=capacity-${run}-${index}.txt`, { body: text, headers: { "content-type": "text/plain" } });
      if (upload.status !== 202) throw new Error(`status ${upload.status}`);
      const { job_id: jobId } = JSON.parse(upload.body.toString()) as { job_id: string };
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const status = await sendRequest(agent, `${base}/library/jobs/${jobId}`, { method: "GET" });
        const state = (JSON.parse(status.body.toString()) as { state?: string }).state;
        if (state === "completed") return performance.now() - started;
        if (state === "failed" || status.status !== 200) throw new Error(`ingestion ${state ?? status.status}`);
      }
    };
  };

  return [
    {
      key: "chat",
      name: "chat (streamed, retrieval and capture on, emulated engine in its own process)",
      budget: "time to first token p99 at most 250 ms above the engine's own at the same concurrency",
      budgetMs: 250,
      figure: "ttft_added",
      levels: levels([1, 4, 16, 32, 64, 128]),
      stepMs: stepMs(3000),
      minRequests: minRequests(100),
      request: each((base) => createSseClient(`${base}/v1/chat/completions`, chatRequestBody)),
      baseline: createSseClient(`${context.engineUrl}/v1/chat/completions`, chatRequestBody),
      // Each turn became a scoring job; what the step left is counted, then dropped, so it does
      // not run during the next step (scoring throughput is measured on its own).
      async afterStep() {
        const backlog = await unfinishedJobs(context.redis, memoryQueues.capture);
        const queue = openQueue(memoryQueues.capture, context.redis, deploymentKeys);
        await queue.drain(true);
        await queue.close();
        return { capture_backlog: backlog, settle_ms: await queueSettled(context.redis, memoryQueues.capture, 10_000) };
      },
    },
    {
      key: "memory-search",
      name: "memory search (POST /memories/search, 10k memories, query embedded by the local model)",
      budget: "p99 at most 100 ms",
      budgetMs: 100,
      figure: "latency",
      levels: levels([1, 2, 4, 8, 16, 32, 64]),
      stepMs: stepMs(3000),
      minRequests: minRequests(200),
      request: each((base) => createHttpClient(`${base}/memories/search`, () => json({ query: `What did I say about ${questions(5)}?`, top_k: 10 }))),
    },
    {
      key: "library-search",
      name: "library search (POST /library/search, 10k chunks, query embedded by the local model)",
      budget: "p99 at most 100 ms",
      budgetMs: 100,
      figure: "latency",
      levels: levels([1, 2, 4, 8, 16, 32, 64]),
      stepMs: stepMs(3000),
      minRequests: minRequests(200),
      request: each((base) => {
        let index = 0;
        return createHttpClient(`${base}/library/search`, () => json({ query: `${topics[index++ % topics.length]} ${questions(2)}`, top_k: 5 }));
      }),
    },
    {
      key: "ingestion",
      name: "ingestion (upload a ~4 kB text document, until its job completed: chunked, embedded, searchable)",
      budget: "upload to fully searchable p99 at most 5,000 ms",
      budgetMs: 5000,
      figure: "latency",
      levels: levels([1, 2, 4, 8, 16]),
      stepMs: stepMs(6000),
      // A 6 s step held ~15 uploads, so its p99 was its slowest one.
      minRequests: minRequests(40),
      request: each(ingest),
      async afterStep() {
        return { settle_ms: await queueSettled(context.redis, libraryIngestQueue, 30_000) };
      },
    },
    {
      key: "sandbox",
      name: "sandbox execution (POST /sandbox/execute, Python `print(6 * 7)`, bubblewrap)",
      budget: "p99 at most 1,000 ms",
      budgetMs: 1000,
      figure: "latency",
      levels: levels([1, 2, 4, 8, 16, 32, 64]),
      // Each run spawns bubblewrap and Python: 3 s steps (~100 runs) left throughput at capacity
      // 23 % apart between two runs, so sandbox steps are longer.
      stepMs: stepMs(8000),
      request: each((base) => createHttpClient(`${base}/sandbox/execute`, () => json({ language: "python", code: "print(6 * 7)" }))),
    },
    {
      key: "transcription",
      name: `transcription (POST /voice/transcribe, ${round(context.voice.seconds)} s of speech, local pocketsphinx)`,
      budget: `p99 at most the audio's length (${audioMs} ms): keeps up with speech`,
      budgetMs: audioMs,
      figure: "latency",
      levels: levels([1, 2, 4, 8]),
      stepMs: stepMs(6000),
      // A 6 s step held 5-10 transcriptions: two runs were 41 % apart.
      minRequests: minRequests(20),
      request: each((base) => createHttpClient(`${base}/voice/transcribe?language=en`, () => ({ body: context.voice.wav, headers: { "content-type": "audio/wav" } }))),
    },
    {
      key: "synthesis",
      name: `synthesis (POST /voice/synthesize, the same ${utterance.length}-character sentence, local flite)`,
      budget: `p99 at most the speech's length (${audioMs} ms): keeps up with speech`,
      budgetMs: audioMs,
      figure: "latency",
      levels: levels([1, 2, 4, 8, 16]),
      stepMs: stepMs(4000),
      request: each((base) => createHttpClient(`${base}/voice/synthesize`, () => json({ text: utterance, format: "wav" }))),
    },
  ];
}
