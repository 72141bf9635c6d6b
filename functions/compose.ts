import type { Hono } from "hono";
import type { Redis } from "ioredis";
import { coreVariables, loadConfig as loadSlices, type ConfigSlice, type ConfigSource, type ConfigVariables, type CoreConfig } from "../shared/config.js";
import type { AppEnv } from "./app-env.js";
import { createApp } from "./app.js";
import { chatFunction } from "./chat/index.js";
import type { MetricsSource } from "./health/index.js";
import type { FunctionModule, HttpFunction, JobSpec } from "./http-function.js";
import { libraryFunction } from "./library/index.js";
import { memoryFunction } from "./memory/index.js";
import { openaiFunction } from "./openai/index.js";
import type { Platform } from "./platform.js";
import { sandboxFunction } from "./sandbox/index.js";
import { addSeams, noSeams, type Seams } from "./seams.js";
import { uiFunction } from "./ui/index.js";
import { voiceFunction } from "./voice/index.js";

/**
 * Every function of Archive, in the order they are built: each sees the seams of those before it
 * (chat the retrievers of memory and the library, voice chat's service). Adding a function is its
 * folder plus one line here.
 */
export const functionModules = [memoryFunction, libraryFunction, sandboxFunction, chatFunction, openaiFunction, voiceFunction, uiFunction] as const;

/** A module of any section, adapter and built type (`create` is a method, so its parameter is bivariant). */
export type AnyModule = FunctionModule<string, unknown, unknown, HttpFunction>;
// A module without config has the section `unknown`, which would swallow the others in a union.
type Parts<Module> =
  Module extends FunctionModule<infer Name, infer Section, infer Adapter, infer Built>
    ? { name: Name; section: unknown extends Section ? object : Section; adapter: Adapter; built: Built }
    : never;
type Intersection<Union> = (Union extends unknown ? (value: Union) => void : never) extends (value: infer All) => void ? All : never;

/** The whole config of a deployment of these modules: the platform's settings and every function's section. */
export type ConfigOfModules<Modules extends readonly AnyModule[]> = CoreConfig & Intersection<Parts<Modules[number]>["section"]>;
/** What a runtime must hand the modules that need it (an adapter that may be undefined may be left out). */
export type AdaptersOf<Modules extends readonly AnyModule[]> = {
  [Module in Modules[number] as undefined extends Parts<Module>["adapter"] ? never : Parts<Module>["name"]]: Parts<Module>["adapter"];
} & {
  [Module in Modules[number] as undefined extends Parts<Module>["adapter"] ? Parts<Module>["name"] : never]?: Parts<Module>["adapter"];
};
/** The built functions by name, each with its own type (tests reach memory's service through it). */
export type FunctionsOf<Modules extends readonly AnyModule[]> = { [Module in Modules[number] as Parts<Module>["name"]]: Parts<Module>["built"] };

export type Config = ConfigOfModules<typeof functionModules>;
export type Adapters = AdaptersOf<typeof functionModules>;
export type FunctionName = (typeof functionModules)[number]["name"];

/** The config slices of these modules, for `loadConfig` from shared/config.ts. */
export const configSlicesOf = (modules: readonly AnyModule[]) => modules.flatMap((module): ConfigSlice<unknown>[] => (module.config ? [module.config] : []));

/** The one config loader of a deployment: the platform's variables and every function's. */
export function loadConfig(source: ConfigSource): Config {
  return loadSlices(source, configSlicesOf(functionModules)) as Config;
}

/** Every variable with its documentation, grouped as README.md's configuration table shows them. */
export function configGroups(modules: readonly AnyModule[] = functionModules): { name: string; variables: ConfigVariables }[] {
  return [{ name: "platform", variables: coreVariables }, ...modules.flatMap((module) => (module.config ? [{ name: module.name, variables: module.config.variables }] : []))];
}

export interface ComposeOptions {
  /** URLs shown in `/metrics` services[], credential-free. */
  serviceUrls: Record<string, string>;
  /** The runtime's own figures (the Node process's, say). */
  metrics?: readonly MetricsSource[];
  /** Seams to start from: a test's stand-in retriever or capture. */
  seams?: Partial<Seams>;
}

export interface Composition<Functions> {
  app: Hono<AppEnv>;
  functions: Functions;
  /** Every function's background jobs, for the BullMQ workers (Node). */
  jobs: readonly JobSpec[];
  /** What the functions offer each other, and the drop-folder watcher. */
  seams: Seams;
  /** Once per worker process at start (schedulers). */
  startWorkers(redis: Redis): Promise<void>;
}

/**
 * Builds the given modules in order over one platform and mounts them in one app. Every runtime
 * (infra/node, infra/workers) and the test harness call this; nothing else wires functions.
 */
export function composeModules<const Modules extends readonly AnyModule[]>(
  modules: Modules,
  platform: Platform<ConfigOfModules<Modules>>,
  adapters: AdaptersOf<Modules>,
  options: ComposeOptions,
): Composition<FunctionsOf<Modules>> {
  let seams: Seams = { ...noSeams, ...options.seams };
  const built: Record<string, HttpFunction> = {};
  const adapterOf = adapters as Record<string, unknown>;
  for (const module of modules as readonly FunctionModule<string, unknown, unknown>[]) {
    const fn = module.create({ platform, seams, adapter: adapterOf[module.name] });
    seams = addSeams(seams, fn.provides);
    built[module.name] = fn;
  }
  const functions = Object.values(built);
  return {
    app: createApp(platform, { functions, serviceUrls: options.serviceUrls, metrics: options.metrics ?? [] }),
    functions: built as FunctionsOf<Modules>,
    jobs: functions.flatMap((fn) => fn.jobs ?? []),
    seams,
    startWorkers: async (redis) => {
      await Promise.all(functions.map((fn) => fn.startWorkers?.(redis)));
    },
  };
}

/** All of Archive's functions over one platform. */
export function composeFunctions(platform: Platform<Config>, adapters: Adapters, options: ComposeOptions) {
  return composeModules(functionModules, platform, adapters, options);
}
