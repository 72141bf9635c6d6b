import { serve, type ServerType } from "@hono/node-server";
import type { Logger } from "../../shared/logger.js";

type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Serves a fetch handler over HTTP/1.1 with keep-alive; resolves once listening. */
export async function serveHttp(fetch: FetchHandler, host: string, port: number) {
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve({ fetch, hostname: host, port }, () => resolve(started));
    // A busy port must fail startup with a message, not crash later as an uncaught error.
    started.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new Error(`Port ${port} on ${host} is already in use; set PORT to a free one`) : error),
    );
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  return {
    port: boundPort,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`,
    /** Stops accepting, lets in-flight requests finish, then drops idle keep-alive sockets. */
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      }),
  };
}

/**
 * Runs `shutdown` once on SIGINT/SIGTERM and exits 0; a shutdown that hangs is cut off so a
 * stop never takes longer than `deadlineMs` (the emulator promises exit within 10 s).
 */
export function onShutdown(logger: Logger, shutdown: () => Promise<void>, deadlineMs = 9000) {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("archive_stopping", { signal });
    setTimeout(() => {
      logger.error("shutdown_timeout", { deadline_ms: deadlineMs });
      process.exit(1);
    }, deadlineMs).unref();
    shutdown().then(
      () => {
        logger.info("archive_stopped", {});
        process.exit(0);
      },
      (error: unknown) => {
        logger.error("shutdown_failed", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

/** Before the logger exists (bad config) a plain sentence on stderr is the clearest message. */
export function exitOnStartupError(error: unknown, describe: (error: unknown) => string | undefined): never {
  const detail = describe(error) ?? (error instanceof Error ? error.stack ?? error.message : String(error));
  process.stderr.write(`Archive cannot start.\n${detail}\n`);
  process.exit(1);
}
