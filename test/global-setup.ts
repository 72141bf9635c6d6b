import type { TestProject } from "vitest/node";
import { startRedisServer } from "../emulator/redis-launcher.js";

/** One real redis-server on a free port for the whole run; tests isolate themselves by key prefix. */
export default async function setup(project: TestProject) {
  const redis = await startRedisServer();
  project.provide("redisUrl", redis.url);
  return () => redis.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
