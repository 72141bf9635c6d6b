import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { access, realpath } from "node:fs/promises";
import type { Writable } from "node:stream";
import type { SandboxAvailability, SandboxBackend, SandboxConfig, SandboxJob, SandboxResult, SandboxStatus } from "../../functions/sandbox/index.js";
import type { Clock } from "../../shared/clock.js";
import type { Logger } from "../../shared/logger.js";
import { detectCgroups, type CgroupManager, type RunCgroup } from "./sandbox-cgroup.js";

/**
 * The bubblewrap backend (Node hosts). Each run is
 *   [sh: join the run's cgroups] → setpriv (the slot's unprivileged host uid, no groups, no caps)
 *   → prlimit (cpu, processes, files, file size, [address space]) → bwrap (every namespace new,
 *   no network, read-only /usr, fresh tmpfs /tmp and /sandbox, empty environment) → the program,
 * in its own process group, SIGKILLed at the deadline or when its output passes the cap. If bwrap
 * cannot create its namespaces the backend is unavailable and says why; nothing ever runs outside.
 */
export interface BwrapBackendOptions {
  config: Pick<SandboxConfig, "concurrency" | "memoryMb" | "maxProcesses" | "maxOutputBytes" | "uidBase">;
  logger: Logger;
  clock: Clock;
  bwrapPath?: string;
  pythonPath?: string;
  /** The node binary for JavaScript runs; default: this process's own. */
  nodePath?: string;
  /** Where cgroups are mounted; `false` runs with rlimits only. */
  cgroupRoot?: string | false;
}

const workDir = "/sandbox";
/** Each tmpfs (/tmp and /sandbox); its pages also count against the run's memory cgroup. */
const tmpfsBytes = 64 << 20;
const maxOpenFiles = 64;
const maxFileBytes = 16 << 20;
/** After a SIGKILL, how long the pipes may take to close before they are cut. */
const killGraceMs = 2000;
const probeRetryMs = 30_000;

const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGXCPU: 24, SIGXFSZ: 25 };

interface Probe {
  at: number;
  available: boolean | undefined;
  result: Promise<SandboxAvailability>;
}

export function createBwrapSandboxBackend(options: BwrapBackendOptions): SandboxBackend {
  const { config, logger, clock } = options;
  const bwrapPath = options.bwrapPath ?? "/usr/bin/bwrap";
  const pythonPath = options.pythonPath ?? "/usr/bin/python3";
  const asRoot = process.getuid?.() === 0;
  const running = new Set<ChildProcess>();
  const setup = (async () => {
    const nodePath = await realpath(options.nodePath ?? process.execPath);
    const cgroups = options.cgroupRoot === false ? undefined : await detectCgroups(options.cgroupRoot);
    return { nodePath, cgroups };
  })();
  let probe: Probe | undefined;

  const commandFor = (job: Pick<SandboxJob, "language" | "timeoutMs">, uid: number, nodePath: string, cgroups: CgroupManager | undefined, files: readonly string[]) => {
    const memoryBytes = config.memoryMb << 20;
    const limits = [
      `--cpu=${Math.ceil(job.timeoutMs / 1000) + 1}`,
      `--nofile=${maxOpenFiles}`,
      `--fsize=${maxFileBytes}`,
      "--core=0",
    ];
    // RLIMIT_NPROC counts every process of the real uid: only meaningful with a uid of our own.
    if (asRoot) limits.push(`--nproc=${config.maxProcesses}`);
    // Without a memory cgroup the address space is the only bound; V8 reserves ~1 GB up front.
    if (!cgroups?.limitsMemory) limits.push(`--as=${job.language === "javascript" ? memoryBytes + (1 << 30) : memoryBytes}`);
    const program =
      job.language === "python"
        ? [pythonPath, "-I", "-S", "-B", `${workDir}/main.py`]
        : [nodePath, ...(cgroups?.limitsMemory ? [] : [`--max-old-space-size=${config.memoryMb}`]), `${workDir}/main.js`];
    const bwrap = [
      bwrapPath,
      // --as-pid-1: bwrap's own init inside the namespace would outlive the outer bwrap, which
      // exits without reaping it, and linger as a zombie under the host's init.
      "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session", "--as-pid-1",
      "--hostname", "sandbox",
      "--ro-bind", "/usr", "/usr",
      "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
      ...(nodePath.startsWith("/usr/") ? [] : ["--ro-bind", nodePath, nodePath]),
      "--proc", "/proc", "--dev", "/dev",
      "--size", String(tmpfsBytes), "--tmpfs", "/tmp",
      "--size", String(tmpfsBytes), "--tmpfs", workDir,
      // Program and files arrive on pipes (fd 3, 4, …) and are copied into the fresh tmpfs.
      ...files.flatMap((name, index) => ["--file", String(index + 3), `${workDir}/${name}`]),
      "--chdir", workDir,
      "--clearenv", "--setenv", "PATH", "/usr/bin", "--setenv", "HOME", workDir, "--setenv", "TMPDIR", "/tmp", "--setenv", "LANG", "C.UTF-8",
      "--",
      ...program,
    ];
    const prlimit = ["prlimit", ...limits, "--", ...bwrap];
    return asRoot ? ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", ...prlimit] : prlimit;
  };

  async function execute(job: SandboxJob, uid: number, signal: AbortSignal | undefined): Promise<SandboxResult> {
    const { nodePath, cgroups } = await setup;
    const mainFile = job.language === "python" ? "main.py" : "main.js";
    const files = [{ name: mainFile, content: job.code }, ...job.files];
    const command = commandFor(job, uid, nodePath, cgroups, files.map((file) => file.name));
    const cgroup: RunCgroup | undefined = cgroups
      ? await cgroups.create(`run-${process.pid}-${uid}-${crypto.randomUUID().slice(0, 8)}`, { memoryBytes: config.memoryMb << 20, pids: config.maxProcesses })
      : undefined;
    // The run's first process (still root, before setpriv) joins the groups, so every descendant is inside.
    const argv = cgroup ? ["/bin/sh", "-c", 'for f in $ARCHIVE_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; exec "$@"', "sh", ...command] : command;
    const started = performance.now();
    try {
      return await new Promise<SandboxResult>((resolve, reject) => {
        const child = spawn(argv[0]!, argv.slice(1), {
          detached: true,
          stdio: ["pipe", "pipe", "pipe", ...files.map(() => "pipe" as const)],
          env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ARCHIVE_CGROUP_PROCS: cgroup?.procsFiles.join(" ") ?? "" },
        });
        running.add(child);
        const output = { stdout: [] as Buffer[], stderr: [] as Buffer[], bytes: 0 };
        let stoppedFor: SandboxStatus | "aborted" | undefined;
        let graceTimer: ReturnType<typeof setTimeout> | undefined;
        const stop = (reason: SandboxStatus | "aborted") => {
          stoppedFor ??= reason;
          killSandbox(child);
          // Backstop: should the program linger (or hide from /proc), take the whole group and cut the pipes.
          graceTimer ??= setTimeout(() => {
            killGroup(child);
            child.stdio.forEach((stream) => stream?.destroy());
          }, killGraceMs);
        };
        const deadline = setTimeout(() => stop("timeout"), job.timeoutMs);
        const onAbort = () => stop("aborted");
        signal?.addEventListener("abort", onAbort, { once: true });

        const collect = (which: "stdout" | "stderr") => (chunk: Buffer) => {
          const room = config.maxOutputBytes - output.bytes;
          // Exactly the cap is still a whole answer; a byte more is not.
          if (chunk.length > room) stop("output_limit");
          if (room <= 0) return;
          output[which].push(chunk.length > room ? chunk.subarray(0, room) : chunk);
          output.bytes += Math.min(room, chunk.length);
        };
        child.stdout?.on("data", collect("stdout"));
        child.stderr?.on("data", collect("stderr"));
        // A program that never reads stdin (or exits early) closes it: EPIPE is expected, not a fault.
        for (const stream of child.stdio) stream?.on("error", () => undefined);
        child.stdin?.end(job.stdin);
        files.forEach((file, index) => (child.stdio[index + 3] as Writable | null)?.end(file.content));

        child.once("error", (error) => {
          clearTimeout(deadline);
          reject(error);
        });
        child.once("close", (code, signalName) => {
          clearTimeout(deadline);
          clearTimeout(graceTimer);
          signal?.removeEventListener("abort", onAbort);
          running.delete(child);
          if (stoppedFor === "aborted") return reject(signal?.reason ?? new Error("aborted"));
          const duration_ms = Math.round((performance.now() - started) * 10) / 10;
          const exit_code = code ?? 128 + (signalNumbers[signalName ?? ""] ?? 0);
          const stdout = Buffer.concat(output.stdout).toString("utf8");
          const stderr = Buffer.concat(output.stderr).toString("utf8");
          const decide = async (): Promise<SandboxStatus> => {
            if (stoppedFor && stoppedFor !== "aborted") return stoppedFor;
            if (exit_code === 0) return "ok";
            if (cgroup) return (await cgroup.memoryExceeded()) ? "memory_limit" : "error";
            // Without a memory cgroup the runtime's own out-of-memory report is the only signal there is.
            return /^MemoryError\b|heap out of memory|Array buffer allocation failed|Failed to reserve virtual memory/m.test(stderr) ? "memory_limit" : "error";
          };
          decide().then((status) => resolve({ status, stdout, stderr, exit_code, duration_ms }), reject);
        });
      });
    } finally {
      await cgroup?.destroy();
    }
  }

  async function probeNamespaces(): Promise<SandboxAvailability> {
    if (!(await access(bwrapPath).then(() => true, () => false))) {
      return { available: false, reason: `bubblewrap is not installed at ${bwrapPath} (apt-get install bubblewrap)` };
    }
    try {
      // The probe uses the uid after the last slot, so it never shares one with a run.
      const result = await execute({ language: "python", code: "print(42)", stdin: "", timeoutMs: 5000, files: [] }, config.uidBase + config.concurrency, undefined);
      if (result.status === "ok" && result.stdout.trim() === "42") return { available: true };
      return { available: false, reason: `bubblewrap could not start a sandbox (${result.status}, exit ${result.exit_code}): ${result.stderr.trim().slice(0, 300)}` };
    } catch (error) {
      return { available: false, reason: `bubblewrap could not start a sandbox: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  return {
    name: "bubblewrap",
    availability() {
      const now = clock.now();
      // A working sandbox stays known-good; a broken one is re-probed now and then (bwrap installed later).
      if (!probe || (probe.available === false && now - probe.at > probeRetryMs)) {
        const current: Probe = { at: now, available: undefined, result: probeNamespaces() };
        probe = current;
        current.result.then((availability) => {
          current.available = availability.available;
          if (!availability.available) logger.error("sandbox_unavailable", { reason: availability.reason });
        }, () => undefined);
      }
      return probe.result;
    },
    run: (job, context) => execute(job, config.uidBase + context.slot, context.signal),
    async close() {
      for (const child of running) killSandbox(child);
      await Promise.all([...running].map((child) => new Promise((resolve) => child.once("close", resolve))));
    },
  };
}

/**
 * Kills the program (pid 1 of its namespace, so everything in it dies too) and lets the outer
 * bwrap see it and exit, so every process is reaped by its own parent. Should the program not be
 * found, the whole process group goes: --die-with-parent then takes the namespace down.
 */
function killSandbox(child: ChildProcess) {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  let programs: number[] = [];
  try {
    programs = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
  } catch {
    // Gone already, or a kernel without /proc children lists: fall through to the group.
  }
  for (const target of programs.length > 0 ? programs : [-pid]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

function killGroup(child: ChildProcess) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // The group is already gone.
  }
}
