import { Queue, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { RedisKeys } from "./redis-keys.js";

/** A BullMQ queue's name; each function names its own (next to its jobs), prefixed with the function's name. */
export type QueueName = string;

/** Enqueueing as producers see it; BullMQ stays an implementation detail. */
export interface JobQueue {
  add(jobName: string, data: unknown, options?: JobsOptions): Promise<{ id: string | undefined }>;
}

export interface QueueProvider {
  /** The queue bound to `redis`. Queues are cached per client, so on Node (one shared client) they are built once. */
  get(name: QueueName, redis: Redis): JobQueue;
}

/**
 * A BullMQ Queue over a caller's client. A Queue re-emits its connection's errors, and with no
 * listener BullMQ prints each one with its stack on stderr; the client's owner already reports
 * connection faults (and a failed command rejects to its caller), so here they are only absorbed.
 */
export function openQueue(name: QueueName, redis: Redis, keys: RedisKeys): Queue {
  const queue = new Queue(name, { connection: redis, prefix: keys.queuePrefix });
  queue.on("error", () => undefined);
  return queue;
}

/**
 * BullMQ's Queue runs in Node and in workerd (nodejs_compat). Tying each Queue to the client it
 * was made with keeps workerd's rule (no I/O object outlives its request) without costing Node
 * a Queue per request.
 */
export function createQueueProvider(keys: RedisKeys): QueueProvider {
  const byClient = new WeakMap<Redis, Map<QueueName, Queue>>();
  return {
    get(name, redis) {
      let queues = byClient.get(redis);
      if (!queues) {
        queues = new Map();
        byClient.set(redis, queues);
      }
      let queue = queues.get(name);
      if (!queue) {
        queue = openQueue(name, redis, keys);
        queues.set(name, queue);
      }
      const bound = queue;
      return {
        add: async (jobName, data, options) => {
          const job = await bound.add(jobName, data, options);
          return { id: job.id };
        },
      };
    },
  };
}
