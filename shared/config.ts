import { z } from "zod";
import { redactUrl } from "./redact.js";

/**
 * The one config loader. Only composition roots call it (with `process.env` or a Worker's `env`);
 * everything else receives the parsed `Config`. Every variable is listed here with its meaning,
 * and a test keeps README.md's table in step with this list.
 */
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const fraction = z.coerce.number().min(0).max(1);
const flag = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((value) => ["true", "1", "yes"].includes(value));

export const configVariables = {
  HOST: { schema: z.string().min(1).default("127.0.0.1"), doc: "Interface to listen on. Anything but loopback requires ARCHIVE_API_KEYS." },
  PORT: { schema: integer(0, 65535).default(8787), doc: "HTTP port." },
  REDIS_URL: { schema: z.url().optional(), doc: "Redis to use (`redis://[:password@]host:port/db`). Unset in the emulator: a private redis-server is started." },
  REDIS_PREFIX: { schema: z.string().regex(/^[A-Za-z0-9_.-]+$/).default("archive"), doc: "Prefix of every Redis key (several deployments can share one Redis)." },
  ARCHIVE_DATA_DIR: { schema: z.string().min(1).default(".data"), doc: "Where the emulator keeps its Redis data and cold memory archives." },
  LOG_LEVEL: { schema: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"), doc: "Minimum level of the JSON log lines." },
  ARCHIVE_API_KEYS: { schema: z.string().optional(), doc: "`key1:alice,key2:bob` turns on bearer-token auth; each key maps to a tenant. Unset: auth off, tenant `default`, loopback only." },
  ARCHIVE_METRICS_KEY: { schema: z.string().min(8).optional(), doc: "If set, `/metrics` and `/metrics/prometheus` require `Authorization: Bearer <this>`." },
  ARCHIVE_CORS_ORIGINS: { schema: z.string().optional(), doc: "Browser origins allowed to call the API (CORS), comma-separated (`https://app.example.com,http://localhost:5173`), or `*` (only with ARCHIVE_API_KEYS). Unset: no cross-origin access." },
  MAX_BODY_BYTES: { schema: integer(1024, 1 << 30).default(1 << 20), doc: "Largest JSON request body (bytes); larger gets 413." },
  INFERENCE_ENDPOINTS: { schema: z.string().optional(), doc: "Comma-separated vLLM base URLs; `url#N` sets that endpoint's concurrency limit." },
  INFERENCE_API_KEY: { schema: z.string().optional(), doc: "Bearer token sent to the inference endpoints (vLLM `--api-key`)." },
  INFERENCE_MODEL: { schema: z.string().optional(), doc: "Model name to request; default: the first model the engine lists at `/v1/models`." },
  INFERENCE_CONCURRENCY: { schema: integer(1, 4096).default(16), doc: "Default concurrent requests per endpoint." },
  INFERENCE_QUEUE_SIZE: { schema: integer(0, 100000).default(64), doc: "Requests allowed to wait for a free endpoint; beyond it 429 + Retry-After." },
  INFERENCE_QUEUE_TIMEOUT_MS: { schema: integer(1, 600000).default(10000), doc: "Longest a request waits in the queue before 429." },
  INFERENCE_CONNECT_TIMEOUT_MS: { schema: integer(1, 600000).default(3000), doc: "Longest wait for an endpoint's response headers (connecting included) on a stream or GET; past it the request is retried on another endpoint. A non-streamed POST waits this plus INFERENCE_FIRST_TOKEN_TIMEOUT_MS for its headers, since vLLM sends them only with the finished answer." },
  INFERENCE_FIRST_TOKEN_TIMEOUT_MS: { schema: integer(1, 600000).default(60000), doc: "Longest wait, once headers arrived, for the first byte of the body (a streamed reply's first token)." },
  INFERENCE_REQUEST_TIMEOUT_MS: { schema: integer(1, 3600000).default(120000), doc: "Total deadline of a non-streamed chat completion, from the moment chat sends it (a wait in the pool's queue included): past it the client gets 504." },
  INFERENCE_PROBE_INTERVAL_MS: { schema: integer(100, 3600000).default(5000), doc: "How often endpoints' `/health` is probed." },
  INFERENCE_COOLDOWN_MS: { schema: integer(0, 3600000).default(5000), doc: "How long a failing endpoint is skipped before it is tried again." },
  INFERENCE_MODAL_APP: { schema: z.string().optional(), doc: "Modal app name to discover the vLLM web endpoint from (with INFERENCE_MODAL_FUNCTION; auth via MODAL_TOKEN_ID / MODAL_TOKEN_SECRET)." },
  INFERENCE_MODAL_FUNCTION: { schema: z.string().optional(), doc: "Modal function serving vLLM (see `gpu/modal/`)." },
  MODAL_ENVIRONMENT: { schema: z.string().optional(), doc: "Modal environment to look the app up in." },
  EMBEDDINGS: { schema: z.enum(["local", "pool"]).default("local"), doc: "`local`: offline Universal Sentence Encoder lite (512-d). `pool`: the engine's `/v1/embeddings`." },
  EMBEDDINGS_MODEL: { schema: z.string().optional(), doc: "Embedding model served by the pool's `/v1/embeddings`; required when EMBEDDINGS=pool." },
  EMBEDDINGS_THREADS: { schema: integer(1, 64).optional(), doc: "Worker threads running the local model (EMBEDDINGS=local), each with its own copy of the model (~150 MB); default min(2, CPU cores)." },
  EMBEDDINGS_MAX_INPUTS: { schema: integer(1, 100000).default(2048), doc: "Most texts in one `POST /v1/embeddings` request (OpenAI's limit is 2048)." },
  EMBEDDINGS_MAX_INPUT_CHARS: { schema: integer(1, 10000000).default(32768), doc: "Most characters in one text of `POST /v1/embeddings` (~8k tokens, OpenAI's per-input limit)." },
  MEMORY_WEIGHT_PERPLEXITY: { schema: fraction.default(0.6), doc: "Weight of normalized perplexity in the surprise score." },
  MEMORY_WEIGHT_NOVELTY: { schema: fraction.default(0.4), doc: "Weight of novelty (normalized cosine distance to the nearest memory)." },
  MEMORY_CAPTURE: { schema: z.enum(["all", "surprising"]).default("all"), doc: "`all`: every user turn that reaches chat is remembered (surprise becomes its importance). `surprising`: only turns whose surprise is at least MEMORY_THRESHOLD." },
  MEMORY_THRESHOLD: { schema: fraction.default(0.7), doc: "With MEMORY_CAPTURE=surprising: store a captured turn when its surprise is at least this." },
  MEMORY_LEXICAL_WEIGHT: { schema: fraction.default(0.6), doc: "Share of the lexical (BM25) ranking in memory search; the vector ranking gets the rest (score-normalized fusion)." },
  MEMORY_IMPORTANCE_WEIGHT: { schema: fraction.default(0.05), doc: "How much a memory's importance (its surprise score, 0..1) adds to its fused search score." },
  MEMORY_RETRIEVAL: { schema: flag.default(true), doc: "Add relevant memories to chat context by default (per request: `archive.retrieval`)." },
  MEMORY_RETRIEVAL_TOP_K: { schema: integer(0, 50).default(3), doc: "Memories added to a chat request." },
  MEMORY_RETRIEVAL_MIN_SIMILARITY: { schema: fraction.default(0.65), doc: "Similarity cutoff for memories added to chat; similarity is (1 + cosine) / 2, so 0.5 is unrelated." },
  ARCHIVE_DAYS: { schema: integer(0, 36500).default(30), doc: "Memories older than this many days may move to cold storage." },
  ARCHIVE_KEEP_RECENT: { schema: integer(0, 10000000).default(1000), doc: "The newest N memories of each user always stay hot." },
  ARCHIVE_HOUR: { schema: integer(0, 23).default(3), doc: "Hour of day (UTC) of the daily archival run." },
  LIBRARY_DROP_DIR: { schema: z.string().optional(), doc: "Folder watched for documents (emulator and self-hosted Node)." },
  LIBRARY_DROP_TENANT: { schema: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default("default"), doc: "Tenant that owns documents from the drop folder." },
  LIBRARY_MAX_UPLOAD_BYTES: { schema: integer(1024, 1 << 30).default(25 << 20), doc: "Largest document upload (bytes); larger gets 413." },
  LIBRARY_PDF_MAX_DECOMPRESSED_BYTES: { schema: integer(1 << 20, 1 << 30).default(128 << 20), doc: "Bytes a PDF's non-image streams may inflate to; more fails the job `pdf_over_budget`." },
  LIBRARY_PDF_MAX_OPERATORS_PER_PAGE: { schema: integer(1000, 1e9).default(2_000_000), doc: "Drawing operators one page (content stream) may hold; more fails the job `pdf_over_budget`." },
  LIBRARY_EXTRACT_TIMEOUT_MS: { schema: integer(100, 3600000).default(60000), doc: "Time budget of one document's text extraction (in its own thread on Node); past it the job fails `extract_timeout`." },
  LIBRARY_INGEST_DEADLINE_MS: { schema: integer(1000, 86400000).default(1800000), doc: "Deadline of one ingestion job, from its upload; a job interrupted by restarts resumes until then, then fails `ingest_deadline` (and leaves no upload copy or pending marker)." },
  LIBRARY_RETRIEVAL_TOP_K: { schema: integer(0, 50).default(3), doc: "Library passages added to a chat request." },
  LIBRARY_RETRIEVAL_MIN_SIMILARITY: { schema: fraction.default(0.65), doc: "Similarity cutoff for library passages added to chat ((1 + cosine) / 2; 0.5 is unrelated)." },
  LIBRARY_FUSION: { schema: z.enum(["normalized", "rrf"]).default("normalized"), doc: "How library search fuses BM25 and vectors: `normalized` (weighted, per-query normalized scores) or `rrf` (weighted reciprocal rank)." },
  LIBRARY_LEXICAL_WEIGHT: { schema: fraction.default(0.7), doc: "Share of BM25 in library search's fusion (vectors get the rest); chosen on the library eval's dev set." },
  LIBRARY_EXACT_LEXICAL_WEIGHT: { schema: fraction.default(0.95), doc: "BM25's share for a quoted phrase or an identifier-looking query." },
  LIBRARY_PHRASE_BONUS: { schema: fraction.default(0.3), doc: "Fused-score bonus for a chunk holding a 3+ term query word for word." },
  RERANK_MODEL: { schema: z.string().optional(), doc: "Cross-encoder served by the pool's `/v1/rerank` (e.g. `BAAI/bge-reranker-v2-m3`); set to rerank library search's fused top RERANK_TOP_N." },
  RERANK_TOP_N: { schema: integer(2, 100).default(20), doc: "Fused library hits sent to the reranker." },
  RERANK_TIMEOUT_MS: { schema: integer(10, 60000).default(1500), doc: "Time budget of one rerank call; past it (or on any failure) the fused order is kept." },
  CHAT_HISTORY_MESSAGES: { schema: integer(0, 1000).default(20), doc: "Messages of a session's history kept and replayed." },
  CHAT_MAX_MESSAGES: { schema: integer(1, 10000).default(256), doc: "Most messages accepted in one chat request." },
  CHAT_MAX_INPUT_CHARS: { schema: integer(1, 10000000).default(200000), doc: "Most characters of message content in one chat request." },
  CHAT_RETRIEVAL_BUDGET_MS: { schema: integer(1, 60000).default(300), doc: "Longest a chat request waits for memory and library retrieval before it goes on without." },
  CHAT_MAX_TOKENS: { schema: integer(1, 1000000).default(4096), doc: "Upper bound (and default) for `max_tokens`." },
  RESPONSES_STORE_DAYS: { schema: integer(1, 3650).default(30), doc: "How long a stored `/v1/responses` answer (`store`, the default) can be continued with `previous_response_id`." },
  CHAT_TOOLS: { schema: z.enum(["", "run_code"]).default(""), doc: "Tools Archive offers the model and runs itself on every chat request (per request: `archive.tools`): `run_code` runs Python/JavaScript in the sandbox." },
  CHAT_TOOL_MAX_STEPS: { schema: integer(1, 16).default(4), doc: "Rounds of tool calls Archive runs for one chat request before the model must answer in text." },
  SANDBOX_URL: { schema: z.url().optional(), doc: "A Node tier serving `/sandbox/execute` to forward code runs to (required on Workers, which cannot spawn processes). Unset on Node: runs locally under bubblewrap." },
  SANDBOX_API_KEY: { schema: z.string().optional(), doc: "Bearer key sent to SANDBOX_URL (one of that tier's ARCHIVE_API_KEYS)." },
  SANDBOX_CONCURRENCY: { schema: integer(1, 256).default(4), doc: "Code runs executing at once per process (each in its own slot and host uid)." },
  SANDBOX_QUEUE_SIZE: { schema: integer(0, 10000).default(32), doc: "Runs allowed to wait for a free slot; beyond it 429 + Retry-After." },
  SANDBOX_QUEUE_TIMEOUT_MS: { schema: integer(1, 600000).default(10000), doc: "Longest a run waits for a slot before 429." },
  SANDBOX_TIMEOUT_MS: { schema: integer(100, 600000).default(5000), doc: "Wall-clock limit of a run when the request gives no `timeout_ms`." },
  SANDBOX_MAX_TIMEOUT_MS: { schema: integer(100, 600000).default(30000), doc: "Largest `timeout_ms` a request may ask for." },
  SANDBOX_MEMORY_MB: { schema: integer(16, 65536).default(256), doc: "Memory of one run (cgroup limit; address-space limit where cgroups are not writable)." },
  SANDBOX_MAX_PROCESSES: { schema: integer(1, 4096).default(32), doc: "Processes and threads one run may have (pids cgroup and RLIMIT_NPROC of its host uid)." },
  SANDBOX_MAX_OUTPUT_BYTES: { schema: integer(1024, 1 << 26).default(1 << 20), doc: "Bytes of stdout + stderr kept from a run; more stops it with `output_limit`." },
  SANDBOX_UID_BASE: { schema: integer(1000, 4000000000).default(61000), doc: "First of the unprivileged host uids runs use (one per slot, plus one for probes); no other user may own them." },
  VOICE_STT_ENDPOINTS: { schema: z.string().optional(), doc: "Base URLs of OpenAI-audio speech-to-text servers (vLLM with Whisper, Speaches), `url#N` as for INFERENCE_ENDPOINTS. Unset: the local backend (pocketsphinx)." },
  VOICE_TTS_ENDPOINTS: { schema: z.string().optional(), doc: "Base URLs of OpenAI-audio text-to-speech servers (`POST /v1/audio/speech`: vllm-omni, Speaches, Kokoro-FastAPI). Unset: the local backend (flite)." },
  VOICE_STT_MODEL: { schema: z.string().optional(), doc: "Transcription model to request from VOICE_STT_ENDPOINTS; default: the first the server lists at `/v1/models`." },
  VOICE_TTS_MODEL: { schema: z.string().optional(), doc: "Speech model to request from VOICE_TTS_ENDPOINTS; default: the first the server lists at `/v1/models`." },
  VOICE_DEFAULT_VOICE: { schema: z.string().min(1).max(64).optional(), doc: "Voice when a request names none; default `kal16` locally, `alloy` on the pool." },
  VOICE_MAX_UPLOAD_BYTES: { schema: integer(1024, 1 << 30).default(25 << 20), doc: "Largest audio upload (bytes, OpenAI's limit by default); larger gets 413." },
  VOICE_MAX_AUDIO_SECONDS: { schema: integer(1, 86400).default(600), doc: "Longest audio accepted for transcription (seconds); longer gets 413." },
  VOICE_MAX_INPUT_CHARS: { schema: integer(1, 1000000).default(4096), doc: "Most characters of text to synthesize in one request (OpenAI's limit by default)." },
  VOICE_CONCURRENCY: { schema: integer(1, 1024).default(2), doc: "Local backend: transcriptions and syntheses running at once (each is a CPU-bound process); the pool uses `url#N`." },
  VOICE_QUEUE_SIZE: { schema: integer(0, 100000).default(8), doc: "Local backend: requests allowed to wait for a slot (at most INFERENCE_QUEUE_TIMEOUT_MS); beyond it 429 + Retry-After." },
} as const;

type Variables = typeof configVariables;
export type ConfigSource = Record<string, string | undefined>;
type Raw = { [Key in keyof Variables]: z.output<Variables[Key]["schema"]> };

export interface InferenceEndpointConfig {
  url: string;
  maxConcurrency: number;
}

export interface Config {
  host: string;
  port: number;
  redisUrl: string | undefined;
  redisPrefix: string;
  dataDir: string;
  logLevel: Raw["LOG_LEVEL"];
  auth: { apiKeys: ReadonlyMap<string, string> | null; metricsKey: string | undefined };
  /** Origins a browser may call from: `*`, a list, or null (no CORS). */
  corsOrigins: "*" | ReadonlySet<string> | null;
  maxBodyBytes: number;
  inference: {
    endpoints: InferenceEndpointConfig[];
    apiKey: string | undefined;
    model: string | undefined;
    concurrency: number;
    queueSize: number;
    queueTimeoutMs: number;
    connectTimeoutMs: number;
    firstTokenTimeoutMs: number;
    requestTimeoutMs: number;
    probeIntervalMs: number;
    cooldownMs: number;
    modal: { app: string; function: string; environment: string | undefined } | undefined;
  };
  embeddings: { provider: "local" | "pool"; model: string | undefined; threads: number | undefined };
  memory: {
    weightPerplexity: number;
    weightNovelty: number;
    capture: "all" | "surprising";
    threshold: number;
    lexicalWeight: number;
    importanceWeight: number;
    retrieval: boolean;
    retrievalTopK: number;
    retrievalMinSimilarity: number;
  };
  archive: { days: number; keepRecent: number; hour: number };
  library: {
    dropDir: string | undefined;
    dropTenant: string;
    maxUploadBytes: number;
    retrievalTopK: number;
    retrievalMinSimilarity: number;
    fusion: { method: "normalized" | "rrf"; lexicalWeight: number; exactLexicalWeight: number; phraseBonus: number };
    rerank: { model: string | undefined; topN: number; timeoutMs: number };
    pdfBudget: { maxDecompressedBytes: number; maxOperatorsPerPage: number };
    extractTimeoutMs: number;
    ingestDeadlineMs: number;
  };
  chat: { historyMessages: number; maxMessages: number; maxInputChars: number; maxTokens: number; tools: readonly "run_code"[]; toolMaxSteps: number; retrievalBudgetMs: number };
  embeddingsApi: { maxInputs: number; maxInputChars: number };
  responses: { storeDays: number };
  sandbox: {
    url: string | undefined;
    apiKey: string | undefined;
    concurrency: number;
    queueSize: number;
    queueTimeoutMs: number;
    timeoutMs: number;
    maxTimeoutMs: number;
    memoryMb: number;
    maxProcesses: number;
    maxOutputBytes: number;
    uidBase: number;
  };
  voice: {
    sttEndpoints: InferenceEndpointConfig[];
    ttsEndpoints: InferenceEndpointConfig[];
    sttModel: string | undefined;
    ttsModel: string | undefined;
    defaultVoice: string | undefined;
    maxUploadBytes: number;
    maxAudioSeconds: number;
    maxInputChars: number;
    concurrency: number;
    queueSize: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const schema = z.object(
  Object.fromEntries(Object.entries(configVariables).map(([key, variable]) => [key, variable.schema])) as {
    [Key in keyof Variables]: Variables[Key]["schema"];
  },
);

function parseApiKeys(value: string | undefined, problems: string[]): Map<string, string> | null {
  if (value === undefined) return null;
  const keys = new Map<string, string>();
  for (const entry of value.split(",").map((part) => part.trim()).filter(Boolean)) {
    const separator = entry.lastIndexOf(":");
    const key = entry.slice(0, separator);
    const tenant = entry.slice(separator + 1);
    if (separator <= 0 || !/^[A-Za-z0-9_-]{1,64}$/.test(tenant)) {
      problems.push("ARCHIVE_API_KEYS: each entry must be `key:tenant` (tenant: letters, digits, _ or -)");
    } else if (key.length < 8) {
      problems.push("ARCHIVE_API_KEYS: keys must be at least 8 characters");
    } else {
      keys.set(key, tenant);
    }
  }
  if (keys.size === 0) problems.push("ARCHIVE_API_KEYS: set but holds no `key:tenant` entry");
  return keys;
}

function parseCorsOrigins(value: string | undefined, authOn: boolean, problems: string[]): "*" | ReadonlySet<string> | null {
  if (value === undefined) return null;
  const entries = value.split(",").map((part) => part.trim()).filter(Boolean);
  if (entries.includes("*")) {
    // Without keys any web page the user visits could drive their local Archive.
    if (!authOn) problems.push("ARCHIVE_CORS_ORIGINS: `*` requires ARCHIVE_API_KEYS (auth on); list the origins instead");
    if (entries.length > 1) problems.push("ARCHIVE_CORS_ORIGINS: `*` stands alone");
    return "*";
  }
  const origins = new Set<string>();
  for (const entry of entries) {
    // An origin is scheme://host[:port] — exactly what a browser sends in `Origin`, no path or slash.
    const parsed = URL.canParse(entry) ? new URL(entry) : undefined;
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== entry) {
      problems.push(`ARCHIVE_CORS_ORIGINS: "${entry}" is not an origin like https://app.example.com (scheme, host, optional port; no path)`);
    } else {
      origins.add(entry);
    }
  }
  if (origins.size === 0 && entries.length === 0) problems.push("ARCHIVE_CORS_ORIGINS: set but lists no origin");
  return origins;
}

function parseEndpoints(value: string | undefined, fallbackConcurrency: number, problems: string[], variable = "INFERENCE_ENDPOINTS") {
  const endpoints: InferenceEndpointConfig[] = [];
  for (const entry of (value ?? "").split(",").map((part) => part.trim()).filter(Boolean)) {
    const [base = "", limit] = entry.split("#");
    const maxConcurrency = limit === undefined ? fallbackConcurrency : Number(limit);
    if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol)) {
      problems.push(`${variable}: "${redactUrl(base)}" is not an http(s) URL`);
    } else if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      problems.push(`${variable}: concurrency in "${entry}" must be a positive integer`);
    } else {
      endpoints.push({ url: base.replace(/\/+$/, ""), maxConcurrency });
    }
  }
  return endpoints;
}

export function loadConfig(source: ConfigSource): Config {
  // An empty variable means "unset", as in most shells' `VAR=` usage.
  const cleaned = Object.fromEntries(
    Object.keys(configVariables).map((key) => [key, source[key] === "" ? undefined : source[key]]),
  );
  const result = schema.safeParse(cleaned);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  // The hand-parsed variables are checked even when others are bad, so every problem is reported at once.
  const apiKeys = parseApiKeys(cleaned.ARCHIVE_API_KEYS, problems);
  const corsOrigins = parseCorsOrigins(cleaned.ARCHIVE_CORS_ORIGINS, cleaned.ARCHIVE_API_KEYS !== undefined, problems);
  const concurrency = result.success ? result.data.INFERENCE_CONCURRENCY : 16;
  const endpoints = parseEndpoints(cleaned.INFERENCE_ENDPOINTS, concurrency, problems);
  const sttEndpoints = parseEndpoints(cleaned.VOICE_STT_ENDPOINTS, concurrency, problems, "VOICE_STT_ENDPOINTS");
  const ttsEndpoints = parseEndpoints(cleaned.VOICE_TTS_ENDPOINTS, concurrency, problems, "VOICE_TTS_ENDPOINTS");
  if (Boolean(cleaned.INFERENCE_MODAL_APP) !== Boolean(cleaned.INFERENCE_MODAL_FUNCTION)) {
    problems.push("INFERENCE_MODAL_APP and INFERENCE_MODAL_FUNCTION must be set together");
  }
  if (cleaned.EMBEDDINGS === "pool" && !cleaned.EMBEDDINGS_MODEL) {
    problems.push("EMBEDDINGS_MODEL: required when EMBEDDINGS=pool (the model the engine serves at /v1/embeddings)");
  }
  if (result.success && result.data.SANDBOX_TIMEOUT_MS > result.data.SANDBOX_MAX_TIMEOUT_MS) {
    problems.push("SANDBOX_TIMEOUT_MS: must not exceed SANDBOX_MAX_TIMEOUT_MS");
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const raw = result.data as Raw;

  return {
    host: raw.HOST,
    port: raw.PORT,
    redisUrl: raw.REDIS_URL,
    redisPrefix: raw.REDIS_PREFIX,
    dataDir: raw.ARCHIVE_DATA_DIR,
    logLevel: raw.LOG_LEVEL,
    auth: { apiKeys, metricsKey: raw.ARCHIVE_METRICS_KEY },
    corsOrigins,
    maxBodyBytes: raw.MAX_BODY_BYTES,
    inference: {
      endpoints,
      apiKey: raw.INFERENCE_API_KEY,
      model: raw.INFERENCE_MODEL,
      concurrency: raw.INFERENCE_CONCURRENCY,
      queueSize: raw.INFERENCE_QUEUE_SIZE,
      queueTimeoutMs: raw.INFERENCE_QUEUE_TIMEOUT_MS,
      connectTimeoutMs: raw.INFERENCE_CONNECT_TIMEOUT_MS,
      firstTokenTimeoutMs: raw.INFERENCE_FIRST_TOKEN_TIMEOUT_MS,
      requestTimeoutMs: raw.INFERENCE_REQUEST_TIMEOUT_MS,
      probeIntervalMs: raw.INFERENCE_PROBE_INTERVAL_MS,
      cooldownMs: raw.INFERENCE_COOLDOWN_MS,
      modal:
        raw.INFERENCE_MODAL_APP && raw.INFERENCE_MODAL_FUNCTION
          ? { app: raw.INFERENCE_MODAL_APP, function: raw.INFERENCE_MODAL_FUNCTION, environment: raw.MODAL_ENVIRONMENT }
          : undefined,
    },
    embeddings: { provider: raw.EMBEDDINGS, model: raw.EMBEDDINGS_MODEL, threads: raw.EMBEDDINGS_THREADS },
    memory: {
      weightPerplexity: raw.MEMORY_WEIGHT_PERPLEXITY,
      weightNovelty: raw.MEMORY_WEIGHT_NOVELTY,
      capture: raw.MEMORY_CAPTURE,
      threshold: raw.MEMORY_THRESHOLD,
      lexicalWeight: raw.MEMORY_LEXICAL_WEIGHT,
      importanceWeight: raw.MEMORY_IMPORTANCE_WEIGHT,
      retrieval: raw.MEMORY_RETRIEVAL,
      retrievalTopK: raw.MEMORY_RETRIEVAL_TOP_K,
      retrievalMinSimilarity: raw.MEMORY_RETRIEVAL_MIN_SIMILARITY,
    },
    archive: { days: raw.ARCHIVE_DAYS, keepRecent: raw.ARCHIVE_KEEP_RECENT, hour: raw.ARCHIVE_HOUR },
    library: {
      dropDir: raw.LIBRARY_DROP_DIR,
      dropTenant: raw.LIBRARY_DROP_TENANT,
      maxUploadBytes: raw.LIBRARY_MAX_UPLOAD_BYTES,
      retrievalTopK: raw.LIBRARY_RETRIEVAL_TOP_K,
      retrievalMinSimilarity: raw.LIBRARY_RETRIEVAL_MIN_SIMILARITY,
      fusion: {
        method: raw.LIBRARY_FUSION,
        lexicalWeight: raw.LIBRARY_LEXICAL_WEIGHT,
        exactLexicalWeight: raw.LIBRARY_EXACT_LEXICAL_WEIGHT,
        phraseBonus: raw.LIBRARY_PHRASE_BONUS,
      },
      rerank: { model: raw.RERANK_MODEL, topN: raw.RERANK_TOP_N, timeoutMs: raw.RERANK_TIMEOUT_MS },
      pdfBudget: { maxDecompressedBytes: raw.LIBRARY_PDF_MAX_DECOMPRESSED_BYTES, maxOperatorsPerPage: raw.LIBRARY_PDF_MAX_OPERATORS_PER_PAGE },
      extractTimeoutMs: raw.LIBRARY_EXTRACT_TIMEOUT_MS,
      ingestDeadlineMs: raw.LIBRARY_INGEST_DEADLINE_MS,
    },
    chat: {
      historyMessages: raw.CHAT_HISTORY_MESSAGES,
      maxMessages: raw.CHAT_MAX_MESSAGES,
      maxInputChars: raw.CHAT_MAX_INPUT_CHARS,
      maxTokens: raw.CHAT_MAX_TOKENS,
      tools: raw.CHAT_TOOLS ? [raw.CHAT_TOOLS] : [],
      toolMaxSteps: raw.CHAT_TOOL_MAX_STEPS,
      retrievalBudgetMs: raw.CHAT_RETRIEVAL_BUDGET_MS,
    },
    embeddingsApi: { maxInputs: raw.EMBEDDINGS_MAX_INPUTS, maxInputChars: raw.EMBEDDINGS_MAX_INPUT_CHARS },
    responses: { storeDays: raw.RESPONSES_STORE_DAYS },
    sandbox: {
      url: raw.SANDBOX_URL,
      apiKey: raw.SANDBOX_API_KEY,
      concurrency: raw.SANDBOX_CONCURRENCY,
      queueSize: raw.SANDBOX_QUEUE_SIZE,
      queueTimeoutMs: raw.SANDBOX_QUEUE_TIMEOUT_MS,
      timeoutMs: raw.SANDBOX_TIMEOUT_MS,
      maxTimeoutMs: raw.SANDBOX_MAX_TIMEOUT_MS,
      memoryMb: raw.SANDBOX_MEMORY_MB,
      maxProcesses: raw.SANDBOX_MAX_PROCESSES,
      maxOutputBytes: raw.SANDBOX_MAX_OUTPUT_BYTES,
      uidBase: raw.SANDBOX_UID_BASE,
    },
    voice: {
      sttEndpoints,
      ttsEndpoints,
      sttModel: raw.VOICE_STT_MODEL,
      ttsModel: raw.VOICE_TTS_MODEL,
      defaultVoice: raw.VOICE_DEFAULT_VOICE,
      maxUploadBytes: raw.VOICE_MAX_UPLOAD_BYTES,
      maxAudioSeconds: raw.VOICE_MAX_AUDIO_SECONDS,
      maxInputChars: raw.VOICE_MAX_INPUT_CHARS,
      concurrency: raw.VOICE_CONCURRENCY,
      queueSize: raw.VOICE_QUEUE_SIZE,
    },
  };
}
