import type { Job } from "bullmq";
import type { Hono } from "hono";
import type { Redis } from "ioredis";
import type { ZodType } from "zod";
import type { ConfigSlice, CoreConfig } from "../shared/config.js";
import type { AppEnv } from "./app-env.js";
import type { Platform } from "./platform.js";
import type { HealthCheck, MetricsSource, PlatformCheckName } from "./health/index.js";
import type { Provided, Seams } from "./seams.js";

/**
 * One background job kind a function brings; BullMQ merely runs it (infra/node/job-workers.ts).
 * Data that fails `schema` can never succeed, so the job fails at once instead of being retried.
 */
export interface JobSpec<Data = unknown> {
  queue: string;
  schema: ZodType<Data>;
  /** Method syntax on purpose: a spec of any data type is a `JobSpec` in the function's list. */
  process(data: Data, job: Job, signal: AbortSignal | undefined): Promise<unknown>;
  concurrency: number;
  /**
   * How often a job may be found stalled (its worker died mid-job) and still be resumed; past it
   * BullMQ fails the job. Default BullMQ's 1. Jobs with their own deadline set it high.
   */
  maxStalledCount?: number;
}

/** A route that accepts bodies larger than MAX_BODY_BYTES (uploads). */
export interface BodyLimit {
  pathPrefix: string;
  maxBytes: number;
}

/**
 * Everything one HTTP function brings to the router, the health report, the workers and the
 * functions composed after it. Built by its module's `create` in functions/compose.ts.
 */
export interface HttpFunction {
  name: string;
  routes: Hono<AppEnv>;
  /** The platform checks it relies on; `/<name>/health` runs them with its own `checks`. */
  needs: readonly PlatformCheckName[];
  /** Its own checks, in `/health` and `/<name>/health` (e.g. the sandbox's test run). */
  checks?: readonly HealthCheck[];
  /** Checks only `/<name>/health` runs: too costly for every `/health` (voice's real round trip). */
  ownChecks?: readonly HealthCheck[];
  bodyLimits?: readonly BodyLimit[];
  jobs?: readonly JobSpec[];
  metrics?: readonly MetricsSource[];
  /** Once per worker process at start (e.g. registering a job scheduler); idempotent. */
  startWorkers?(redis: Redis): Promise<void>;
  /** What it offers the functions composed after it (see seams.ts). */
  provides?: Provided;
}

/** What a module's `create` receives: the platform, the seams of the functions before it, its runtime adapter. */
export interface FunctionContext<Section, Adapter> {
  platform: Platform<CoreConfig & Section>;
  seams: Seams;
  adapter: Adapter;
}

/**
 * A function as compose.ts lists it: its name, its configuration variables (README's table and
 * `loadConfig` read them from here) and how to build it. `Adapter` is what only a runtime can give
 * it (bubblewrap on Node, a remote tier on Workers); most functions need none.
 */
export interface FunctionModule<Name extends string = string, Section = unknown, Adapter = undefined, Built extends HttpFunction = HttpFunction> {
  name: Name;
  config?: ConfigSlice<Section>;
  create(context: FunctionContext<Section, Adapter>): Built;
}

/** Declares a module with its types inferred (the one place a function's parts meet). */
export function defineFunction<const Name extends string, Section = unknown, Adapter = undefined, Built extends HttpFunction = HttpFunction>(
  module: FunctionModule<Name, Section, Adapter, Built>,
): FunctionModule<Name, Section, Adapter, Built> {
  return module;
}
