import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, realpath } from "node:fs/promises";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { StartupError } from "../infra/node/serve.js";
import { findRedisServersOnDir, stopOrphan } from "./redis-orphans.js";

/**
 * Starts a private `redis-server` child: the emulator's default store and the test harness's.
 * It never touches the Redis that may already listen on 6379.
 */
export interface RedisServerOptions {
  /** Data directory; omitted → nothing is persisted (tests). */
  dataDir?: string;
  port?: number;
  /** Path of the redis-server binary. */
  binary?: string;
  /** Told about each orphan redis-server stopped before the start (it outlived a crashed Archive). */
  onOrphanStopped?: (pid: number) => void;
}

export interface RunningRedis {
  url: string;
  port: number;
  pid: number | undefined;
  /** Graceful shutdown: with a data dir the append-only file is fsynced first, so no acknowledged write is lost. */
  stop(): Promise<void>;
  /** Last resort from a synchronous `exit` handler: signal the child so it never outlives us. */
  kill(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * The child lives in its own process group, so a terminal's Ctrl-C reaches Archive alone and
 * Archive stops Redis last (after the jobs that still write to it). It gets SIGTERM from the
 * kernel when its parent dies for any reason (kill -9, OOM), so a crash never leaves it running;
 * and a start first stops any orphan still serving the same data directory, so two servers never
 * append to one file.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RunningRedis> {
  const dir = options.dataDir ? await prepareDir(options.dataDir) : undefined;
  if (dir) await reclaimDataDir(dir, options.onOrphanStopped);
  const port = options.port ?? (await freePort());
  const persistence = dir
    ? ["--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
    : ["--appendonly", "no", "--save", ""];
  const redisCommand = [
    options.binary ?? "redis-server",
    ...["--port", String(port), "--bind", "127.0.0.1", "--maxmemory-policy", "noeviction", "--daemonize", "no", "--loglevel", "warning", ...persistence],
  ];
  // setpriv sets the parent-death signal and then execs redis-server, so the pid is Redis's own.
  const command = hasSetpriv() ? ["setpriv", "--pdeathsig", "SIGTERM", "--", ...redisCommand] : redisCommand;
  const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitForPort(port, child, () => output);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    stop: () => stopChild(child),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    },
  };
}

async function prepareDir(dir: string) {
  const absolute = resolve(dir);
  await mkdir(absolute, { recursive: true });
  // The kernel reports a process's cwd with symlinks resolved; compare like with like.
  return realpath(absolute);
}

/** Stops a redis-server whose Archive died before it could; refuses if a live Archive still owns the directory. */
async function reclaimDataDir(dir: string, onStopped: ((pid: number) => void) | undefined) {
  for (const server of await findRedisServersOnDir(dir)) {
    if (server.ownedByLiveArchive) {
      throw new StartupError(`${dir} is in use by a redis-server (pid ${server.pid}) of a running Archive (pid ${server.parentPid}); stop it first or set ARCHIVE_DATA_DIR to another directory`);
    }
    await stopOrphan(server.pid);
    onStopped?.(server.pid);
  }
}

let setprivPresent: boolean | undefined;
function hasSetpriv(): boolean {
  setprivPresent ??= process.platform === "linux" && spawnSync("setpriv", ["--version"], { stdio: "ignore" }).status === 0;
  return setprivPresent;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 10_000;
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(new Error(`Could not start redis-server: ${error.message}. Is it installed (apt-get install redis-server)?`)));
    child.once("exit", (code) => reject(new Error(`redis-server exited with code ${code}: ${output().trim()}`)));
  });
  while (Date.now() < deadline) {
    const ready = await Promise.race([ping(port), failed]);
    if (ready) return;
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 25));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server did not answer on port ${port} within 10 s`);
}

async function ping(port: number): Promise<boolean> {
  const { connect } = await import("node:net");
  return new Promise((resolvePing) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolvePing(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => {
      socket.destroy();
      resolvePing(false);
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolveStop();
    });
    // SIGTERM makes redis-server flush the append-only file and exit cleanly.
    child.kill("SIGTERM");
  });
}
