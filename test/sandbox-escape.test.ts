import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SandboxLanguage, SandboxService } from "../functions/sandbox/index.js";
import { startBwrapSandbox } from "./sandbox-backend.js";

const uidBase = 62000;
const concurrency = 2;
const maxProcesses = 32;
const maxOutputBytes = 1 << 20;

let sandbox: Awaited<ReturnType<typeof startBwrapSandbox>>;
let service: SandboxService;
let plantedDir: string;
let planted: string;
let listener: Server;
let listenerPort: number;
let listenerConnections = 0;
const redisPort = Number(new URL(inject("redisUrl")).port);
const repoFile = new URL("../package.json", import.meta.url).pathname;

beforeAll(async () => {
  sandbox = await startBwrapSandbox({
    SANDBOX_UID_BASE: String(uidBase),
    SANDBOX_CONCURRENCY: String(concurrency),
    SANDBOX_MAX_PROCESSES: String(maxProcesses),
    SANDBOX_MAX_OUTPUT_BYTES: String(maxOutputBytes),
    SANDBOX_MEMORY_MB: "256",
  });
  service = sandbox.service;
  plantedDir = await mkdtemp(join(tmpdir(), "archive-escape-"));
  planted = join(plantedDir, "secret.txt");
  await writeFile(planted, "the host's secret");
  listener = createServer((socket) => {
    listenerConnections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  listenerPort = (listener.address() as { port: number }).port;
}, 30_000);

afterAll(async () => {
  await sandbox?.close();
  listener?.close();
  await rm(plantedDir, { recursive: true, force: true });
});

const run = (language: SandboxLanguage, code: string, timeout_ms = 5000) => service.execute({ language, code, timeout_ms });

/** Host processes whose real uid is one of this file's slots (and the probe's). */
async function processesOfOurUids(): Promise<number[]> {
  const uids = new Set(Array.from({ length: concurrency + 1 }, (_, index) => String(uidBase + index)));
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    if (uid && uids.has(uid)) found.push(Number(entry));
  }
  return found;
}

// Each program prints what it observed; the assertion is on that observation.
const programs: Record<SandboxLanguage, {
  read(path: string): string;
  connect(port: number): string;
  writeUsr: string;
  forkBomb: string;
  forkCount: string;
  allocate4GB: string;
  spin: string;
  flood: string;
  writeTmp: string;
  listTmp: string;
  identity: string;
}> = {
  python: {
    read: (path) => `try:\n    open(${JSON.stringify(path)}).read()\n    print("READ")\nexcept FileNotFoundError:\n    print("NOT_FOUND")`,
    connect: (port) => `import socket\ntry:\n    socket.create_connection(("127.0.0.1", ${port}), timeout=2)\n    print("CONNECTED")\nexcept ConnectionRefusedError:\n    print("REFUSED")`,
    writeUsr: `import errno\ntry:\n    open("/usr/pwned", "w")\n    print("WROTE")\nexcept OSError as error:\n    print(errno.errorcode[error.errno])`,
    forkBomb: `import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass`,
    forkCount: `import os, time\nn = 0\nwhile True:\n    try:\n        pid = os.fork()\n    except OSError:\n        print("LIMIT", n)\n        break\n    if pid == 0:\n        time.sleep(30)\n        os._exit(0)\n    n += 1`,
    allocate4GB: `data = b"x" * (4 << 30)\nprint(len(data))`,
    spin: `while True:\n    pass`,
    flood: `import sys\nblock = b"x" * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.buffer.write(block)`,
    writeTmp: `import time\nopen("/tmp/marker", "w").write("run A")\nopen("/sandbox/marker", "w").write("run A")\ntime.sleep(1.5)\nprint("WROTE")`,
    listTmp: `import os\nprint(sorted(os.listdir("/tmp")), os.path.exists("/sandbox/marker"))`,
    identity: `import os\nprint(os.getuid(), sorted(os.environ))`,
  },
  javascript: {
    read: (path) => `try { require("fs").readFileSync(${JSON.stringify(path)}); console.log("READ"); } catch (error) { console.log(error.code === "ENOENT" ? "NOT_FOUND" : error.code); }`,
    connect: (port) => `const socket = require("net").connect(${port}, "127.0.0.1");\nsocket.on("connect", () => { console.log("CONNECTED"); socket.destroy(); });\nsocket.on("error", (error) => console.log(error.code === "ECONNREFUSED" ? "REFUSED" : error.code));`,
    writeUsr: `try { require("fs").writeFileSync("/usr/pwned", "x"); console.log("WROTE"); } catch (error) { console.log(error.code); }`,
    forkBomb: `const { spawn } = require("child_process");\nwhile (true) { try { spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }); } catch {} }`,
    forkCount: `const { spawnSync } = require("child_process");\nconst { spawn } = require("child_process");\nlet n = 0;\nfunction next() {\n  const child = spawn("/usr/bin/sleep", ["30"], { stdio: "ignore" });\n  child.on("error", () => { console.log("LIMIT", n); process.exit(0); });\n  child.on("spawn", () => { n += 1; next(); });\n}\nnext();`,
    allocate4GB: `const blocks = [];\nfor (let i = 0; i < 64; i++) blocks.push(Buffer.alloc(64 << 20, 1));\nconsole.log(blocks.length);`,
    spin: `while (true) {}`,
    flood: `const block = Buffer.alloc(1 << 20, 120);\nlet written = 0;\nfunction write() { while (written < 1024) { written += 1; if (!process.stdout.write(block)) return process.stdout.once("drain", write); } }\nwrite();`,
    writeTmp: `const fs = require("fs");\nfs.writeFileSync("/tmp/marker", "run A");\nfs.writeFileSync("/sandbox/marker", "run A");\nsetTimeout(() => console.log("WROTE"), 1500);`,
    listTmp: `const fs = require("fs");\nconsole.log(JSON.stringify(fs.readdirSync("/tmp").sort()), fs.existsSync("/sandbox/marker"));`,
    identity: `console.log(process.getuid(), Object.keys(process.env).sort().join(","));`,
  },
};

describe.each(["python", "javascript"] as const)("sandbox escapes: %s", (language) => {
  const program = programs[language];

  it("cannot read /etc/passwd, a file planted outside, or the repository", async () => {
    for (const path of ["/etc/passwd", planted, repoFile]) {
      const result = await run(language, program.read(path));
      expect(result.stdout.trim(), path).toBe("NOT_FOUND");
    }
  });

  it("cannot connect to the test's Redis or to a socket the test listens on", async () => {
    for (const port of [redisPort, listenerPort]) {
      const result = await run(language, program.connect(port));
      expect(result.stdout.trim(), `port ${port}`).toBe("REFUSED");
    }
    expect(listenerConnections).toBe(0);
  });

  it("runs as an unprivileged uid with an empty environment", async () => {
    const result = await run(language, program.identity);
    const [uid, variables] = result.stdout.trim().split(/ (.*)/s);
    expect(Number(uid)).toBeGreaterThanOrEqual(uidBase);
    expect(variables).not.toMatch(/REDIS|ARCHIVE|CI|npm_/);
  });

  it("cannot write to /usr", async () => {
    const result = await run(language, program.writeUsr);
    expect(result.stdout.trim()).toBe("EROFS");
  });

  it("caps the processes a run may start", async () => {
    const result = await run(language, program.forkCount, 10_000);
    const [word, count] = result.stdout.trim().split(" ");
    expect(word).toBe("LIMIT");
    expect(Number(count)).toBeLessThan(maxProcesses);
    expect(await processesOfOurUids()).toEqual([]);
  });

  it("stops a fork bomb and leaves no process behind", async () => {
    const result = await run(language, program.forkBomb, 2000);
    expect(["timeout", "error"]).toContain(result.status);
    expect(await processesOfOurUids()).toEqual([]);
  });

  it("turns a 4 GB allocation into memory_limit", async () => {
    const result = await run(language, program.allocate4GB, 10_000);
    expect(result.status).toBe("memory_limit");
    expect(result.stdout).toBe("");
  });

  it("stops an infinite loop at timeout_ms 1000 within 1.5 s", async () => {
    const started = performance.now();
    const result = await run(language, program.spin, 1000);
    expect(result.status).toBe("timeout");
    expect(result.duration_ms).toBeGreaterThanOrEqual(1000);
    expect(result.duration_ms).toBeLessThan(1500);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it("stops 1 GB of stdout at the output cap, fast", async () => {
    const result = await run(language, program.flood, 20_000);
    expect(result.status).toBe("output_limit");
    expect(Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr)).toBeLessThanOrEqual(maxOutputBytes);
    expect(result.stdout.length).toBeGreaterThan(maxOutputBytes / 2);
    // Writing the whole gigabyte through a pipe takes seconds; the cap stops it long before.
    expect(result.duration_ms).toBeLessThan(3000);
  });

  it("keeps output of exactly the cap whole", async () => {
    const code = language === "python" ? `import sys\nsys.stdout.write("x" * ${maxOutputBytes})` : `process.stdout.write("x".repeat(${maxOutputBytes}))`;
    const result = await run(language, code);
    expect(result.status).toBe("ok");
    expect(result.stdout.length).toBe(maxOutputBytes);
  });

  it("gives every run its own /tmp and working directory", async () => {
    const writer = run(language, program.writeTmp);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const concurrent = await run(language, program.listTmp);
    expect((await writer).stdout.trim()).toBe("WROTE");
    const after = await run(language, program.listTmp);
    for (const result of [concurrent, after]) {
      expect(result.status).toBe("ok");
      expect(result.stdout).not.toContain("marker");
      expect(result.stdout.trim()).toMatch(/(False|false)$/);
    }
  });
});

// Where /sys/fs/cgroup is not writable only rlimits bound a run; the same programs still stop.
describe.each(["python", "javascript"] as const)("sandbox limits without cgroups: %s", (language) => {
  let plain: Awaited<ReturnType<typeof startBwrapSandbox>>;
  beforeAll(async () => {
    plain = await startBwrapSandbox({ SANDBOX_UID_BASE: String(uidBase + 100), SANDBOX_CONCURRENCY: "1", SANDBOX_MAX_PROCESSES: String(maxProcesses) }, { cgroups: false });
  });
  afterAll(() => plain?.close());

  it("turns a 4 GB allocation into memory_limit", async () => {
    const result = await plain.service.execute({ language, code: programs[language].allocate4GB, timeout_ms: 10_000 });
    expect(result.status).toBe("memory_limit");
  });

  it("caps the processes a run may start", async () => {
    const result = await plain.service.execute({ language, code: programs[language].forkCount, timeout_ms: 10_000 });
    const [word, count] = result.stdout.trim().split(" ");
    expect(word).toBe("LIMIT");
    expect(Number(count)).toBeLessThan(maxProcesses);
  });
});
