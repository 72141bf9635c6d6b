import { z } from "zod";
import { redactUrl } from "./redact.js";
import { tenantPattern } from "./tenant.js";

/**
 * The one config loader. Only composition roots call it (with `process.env` or a Worker's `env`);
 * everything else receives the parsed config. The platform's variables are listed here; each
 * function lists its own in its folder's `config.ts` (a `ConfigSlice`), and README.md's table is
 * generated from both (`npm run docs`).
 */
export const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const fraction = z.coerce.number().min(0).max(1);
export const flag = z.enum(["true", "false", "1", "0", "yes", "no"]).transform((value) => ["true", "1", "yes"].includes(value));

export interface ConfigVariable {
  schema: z.ZodType;
  doc: string;
  /** The default as the docs say it, where the code computes it (e.g. from the CPU count). */
  defaultDoc?: string;
}
export type ConfigVariables = Readonly<Record<string, ConfigVariable>>;
type Parsed<Variables extends ConfigVariables> = { [Key in keyof Variables]: z.output<Variables[Key]["schema"]> };
export type ConfigSource = Record<string, string | undefined>;

/**
 * A function's configuration: its variables and how they become its section(s) of the config.
 * `build` sees the platform's config (e.g. the default concurrency) and reports cross-variable
 * problems into `problems`, so every bad variable is reported at once.
 */
export interface ConfigSlice<Section> {
  variables: ConfigVariables;
  build(raw: Record<string, unknown>, core: CoreConfig, problems: string[]): Section;
}

export function defineConfigSlice<const Variables extends ConfigVariables, Section>(
  variables: Variables,
  build: (raw: Parsed<Variables>, core: CoreConfig, problems: string[]) => Section,
): ConfigSlice<Section> {
  return { variables, build: (raw, core, problems) => build(raw as Parsed<Variables>, core, problems) };
}

export const coreVariables = {
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
  INFERENCE_REQUEST_TIMEOUT_MS: { schema: integer(1, 3600000).default(120000), doc: "Total deadline of a non-streamed chat completion, from the moment chat sends it (a wait in the pool's queue included): past it the client gets 504 `engine_timeout`. Streams are bounded by the two timeouts above and then run as long as tokens keep coming." },
  INFERENCE_PROBE_INTERVAL_MS: { schema: integer(100, 3600000).default(5000), doc: "How often endpoints' `/health` is probed." },
  INFERENCE_COOLDOWN_MS: { schema: integer(0, 3600000).default(5000), doc: "How long a failing endpoint is skipped before it is tried again." },
  INFERENCE_MODAL_APP: { schema: z.string().optional(), doc: "Modal app name to discover the vLLM web endpoint from (with INFERENCE_MODAL_FUNCTION; auth via MODAL_TOKEN_ID / MODAL_TOKEN_SECRET)." },
  INFERENCE_MODAL_FUNCTION: { schema: z.string().optional(), doc: "Modal function serving vLLM (see `gpu/modal/`)." },
  MODAL_ENVIRONMENT: { schema: z.string().optional(), doc: "Modal environment to look the app up in." },
  EMBEDDINGS: { schema: z.enum(["local", "pool"]).default("local"), doc: "`local`: offline Universal Sentence Encoder lite (512-d). `pool`: the engine's `/v1/embeddings`." },
  EMBEDDINGS_MODEL: { schema: z.string().optional(), doc: "Embedding model served by the pool's `/v1/embeddings`; required when EMBEDDINGS=pool." },
  EMBEDDINGS_THREADS: { schema: integer(1, 64).optional(), defaultDoc: "min(2, CPU cores)", doc: "Worker threads running the local model (EMBEDDINGS=local), each with its own copy of the model (~150 MB); default min(2, CPU cores)." },
} as const satisfies ConfigVariables;

type CoreRaw = Parsed<typeof coreVariables>;

export interface InferenceEndpointConfig {
  url: string;
  maxConcurrency: number;
}

/** The platform's own settings; each function adds its section (functions/compose.ts lists them). */
export interface CoreConfig {
  host: string;
  port: number;
  redisUrl: string | undefined;
  redisPrefix: string;
  dataDir: string;
  logLevel: CoreRaw["LOG_LEVEL"];
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
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function parseApiKeys(value: string | undefined, problems: string[]): Map<string, string> | null {
  if (value === undefined) return null;
  const keys = new Map<string, string>();
  for (const entry of value.split(",").map((part) => part.trim()).filter(Boolean)) {
    const separator = entry.lastIndexOf(":");
    const key = entry.slice(0, separator);
    const tenant = entry.slice(separator + 1);
    if (separator <= 0 || !tenantPattern.test(tenant)) {
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

export function parseEndpoints(value: string | undefined, fallbackConcurrency: number, problems: string[], variable = "INFERENCE_ENDPOINTS") {
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

/** An empty variable means "unset", as in most shells' `VAR=` usage; returns the parsed values or pushes problems. */
function parseVariables(variables: ConfigVariables, source: ConfigSource, problems: string[]): Record<string, unknown> | undefined {
  const cleaned = Object.fromEntries(Object.keys(variables).map((key) => [key, source[key] === "" ? undefined : source[key]]));
  const schema = z.object(Object.fromEntries(Object.entries(variables).map(([key, variable]) => [key, variable.schema])));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  problems.push(...result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  return undefined;
}

export type SectionOf<Slice> = Slice extends ConfigSlice<infer Section> ? Section : never;
type Intersection<Union> = (Union extends unknown ? (value: Union) => void : never) extends (value: infer All) => void ? All : never;
/** The whole config of a deployment: the platform's plus every listed slice's sections. */
export type ConfigOf<Slices extends readonly ConfigSlice<unknown>[]> = CoreConfig & Intersection<SectionOf<Slices[number]>>;

/**
 * Parses the platform's variables and every slice's, reporting all problems at once. A slice is
 * only built once the platform's variables are valid (its build may lean on them).
 */
export function loadConfig<const Slices extends readonly ConfigSlice<unknown>[] = []>(source: ConfigSource, slices?: Slices): ConfigOf<Slices> {
  const problems: string[] = [];
  const coreRaw = parseVariables(coreVariables, source, problems) as CoreRaw | undefined;
  const core = buildCore(coreRaw, source, problems);
  const parsed = (slices ?? []).map((slice) => ({ slice, raw: parseVariables(slice.variables, source, problems) }));
  const sections = core ? parsed.map(({ slice, raw }) => (raw ? slice.build(raw, core, problems) : undefined)) : [];
  if (!core || problems.length > 0) throw new ConfigError(problems);
  return Object.assign({}, core, ...sections) as ConfigOf<Slices>;
}

/** The hand-parsed variables are checked even when others are bad, so every problem is reported at once. */
function buildCore(raw: CoreRaw | undefined, source: ConfigSource, problems: string[]): CoreConfig | undefined {
  const value = (key: keyof CoreRaw) => (source[key] === "" ? undefined : source[key]);
  const apiKeys = parseApiKeys(value("ARCHIVE_API_KEYS"), problems);
  const corsOrigins = parseCorsOrigins(value("ARCHIVE_CORS_ORIGINS"), value("ARCHIVE_API_KEYS") !== undefined, problems);
  const endpoints = parseEndpoints(value("INFERENCE_ENDPOINTS"), raw?.INFERENCE_CONCURRENCY ?? 16, problems);
  if (Boolean(value("INFERENCE_MODAL_APP")) !== Boolean(value("INFERENCE_MODAL_FUNCTION"))) {
    problems.push("INFERENCE_MODAL_APP and INFERENCE_MODAL_FUNCTION must be set together");
  }
  if (value("EMBEDDINGS") === "pool" && !value("EMBEDDINGS_MODEL")) {
    problems.push("EMBEDDINGS_MODEL: required when EMBEDDINGS=pool (the model the engine serves at /v1/embeddings)");
  }
  if (!raw) return undefined;
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
  };
}
