/** Names of the BullMQ queues; producers and workers both import them from here. */
export const queueNames = {
  memoryCapture: "memory-capture",
  memoryArchive: "memory-archive",
  libraryIngest: "library-ingest",
} as const;

export type QueueName = (typeof queueNames)[keyof typeof queueNames];
