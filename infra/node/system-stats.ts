import { cpus, freemem, loadavg, totalmem } from "node:os";
import type { SystemStats } from "../../functions/platform.js";

/** Host-wide figures as the original reported them; CPU is the 1-minute load per core. */
export function readSystemStats(): SystemStats {
  const total = totalmem();
  const used = total - freemem();
  const load = loadavg()[0] ?? 0;
  return {
    cpu_percent: Math.round(Math.min(100, (load / Math.max(1, cpus().length)) * 100) * 10) / 10,
    memory_percent: Math.round((used / total) * 1000) / 10,
    memory_used_mb: Math.round(used / 1048576),
    memory_total_mb: Math.round(total / 1048576),
  };
}
