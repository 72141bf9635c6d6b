/** Memory's BullMQ queues: turns waiting to be scored, and the daily archival run. */
export const memoryQueues = { capture: "memory-capture", archive: "memory-archive" } as const;
