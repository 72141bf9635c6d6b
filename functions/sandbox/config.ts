import { z } from "zod";
import { defineConfigSlice, type SectionOf, integer } from "../../shared/config.js";

/** The sandbox's variables: where code runs and the limits of one run. */
export const sandboxConfig = defineConfigSlice(
  {
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
  },
  (raw, _core, problems) => {
    if (raw.SANDBOX_TIMEOUT_MS > raw.SANDBOX_MAX_TIMEOUT_MS) problems.push("SANDBOX_TIMEOUT_MS: must not exceed SANDBOX_MAX_TIMEOUT_MS");
    return {
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
    };
  },
);

export type SandboxSettings = SectionOf<typeof sandboxConfig>;
