import { ConfigError, type CoreConfig } from "./config.js";

const loopback = new Set(["127.0.0.1", "::1", "localhost", "[::1]"]);

export const isLoopbackHost = (host: string) => loopback.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Without API keys every caller is the `default` tenant, which is only acceptable when nobody
 * else can reach the port.
 */
export function assertSafeToListen(config: CoreConfig): void {
  if (config.auth.apiKeys || isLoopbackHost(config.host)) return;
  throw new ConfigError([
    `HOST=${config.host} would expose Archive to the network without authentication. ` +
      "Set ARCHIVE_API_KEYS (e.g. ARCHIVE_API_KEYS=<long-random-key>:alice) or listen on 127.0.0.1.",
  ]);
}
