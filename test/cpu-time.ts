/**
 * CPU milliseconds a synchronous computation takes, for tests that bound how much work code does
 * (a quadratic regression, a slower tokenizer). Wall-clock time is the wrong measure for that on
 * a shared machine: with both cores busy elsewhere it stretches by whatever the scheduler hands
 * out, while the CPU time the work itself consumes stays put. Counts the whole process, so
 * measure nothing else concurrently.
 */
export function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}
