import type { Redis } from "ioredis";
import type { ChatMessage } from "../../../gpu/openai-types.js";
import type { RedisKeys } from "../../../shared/redis-keys.js";
import { itemMessages } from "./items.js";
import type { ResponseObject } from "./wire.js";

/**
 * Stored responses (`store`, the default): what `previous_response_id` continues and
 * `item_reference` points into. Per tenant — `<prefix>:t:<tenant>:response:<id>` holds the
 * response and the whole conversation up to it as chat messages (so a continuation is one read,
 * and a chain never has to be walked), `…:response-item:<id>` each output item. Everything
 * expires after `ttlSeconds` (RESPONSES_STORE_DAYS): Redis runs `noeviction`, so nothing may be
 * kept forever by default.
 */
export interface StoredResponse {
  response: ResponseObject;
  /** Every message the next turn builds on: earlier turns, this input, this output. */
  conversation: ChatMessage[];
}

export interface ResponseStore {
  load(redis: Redis, tenant: string, id: string): Promise<StoredResponse | undefined>;
  item(redis: Redis, tenant: string, id: string): Promise<ChatMessage[] | undefined>;
  save(redis: Redis, tenant: string, stored: StoredResponse): Promise<void>;
  remove(redis: Redis, tenant: string, id: string): Promise<boolean>;
}

export function createResponseStore(options: { keys: RedisKeys; ttlSeconds: number }): ResponseStore {
  const { keys, ttlSeconds } = options;
  const responseKey = (tenant: string, id: string) => keys.tenant(tenant, "response", id);
  const itemKey = (tenant: string, id: string) => keys.tenant(tenant, "response-item", id);
  const parse = <Value>(text: string | null): Value | undefined => (text === null ? undefined : (JSON.parse(text) as Value));

  return {
    async load(redis, tenant, id) {
      return parse<StoredResponse>(await redis.get(responseKey(tenant, id)));
    },
    async item(redis, tenant, id) {
      return parse<ChatMessage[]>(await redis.get(itemKey(tenant, id)));
    },
    async save(redis, tenant, stored) {
      // One transaction: a response is never findable without the items it lists.
      const transaction = redis.multi();
      for (const item of stored.response.output) transaction.set(itemKey(tenant, item.id), JSON.stringify(itemMessages(item)), "EX", ttlSeconds);
      transaction.set(responseKey(tenant, stored.response.id), JSON.stringify(stored), "EX", ttlSeconds);
      const results = await transaction.exec();
      const failure = results?.find(([error]) => error)?.[0];
      if (!results || failure) throw failure ?? new Error("the response store transaction was discarded");
    },
    async remove(redis, tenant, id) {
      const stored = await this.load(redis, tenant, id);
      if (!stored) return false;
      await redis.del(responseKey(tenant, id), ...stored.response.output.map((item) => itemKey(tenant, item.id)));
      return true;
    },
  };
}
