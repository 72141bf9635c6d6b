/**
 * Stable identifiers derived from content. Hashed synchronously (see sha256.ts): these run on
 * every chat request, where Web Crypto's thread-pool round trip cost more than the hashing.
 */
import { sha256Hex } from "../../shared/sha256.js";

// NUL cannot occur in a tenant, session or request id, so the joined parts cannot collide.
const digestOf = (parts: readonly string[]) => sha256Hex(parts.join("\u0000"));

/**
 * The capture idempotency key: the same request (same `X-Request-Id`, e.g. a client retry)
 * enqueues the same turn once; the same words in a new request are a new turn. Tenant and session
 * are part of it so two tenants can never share a turn id.
 */
export function turnIdFor(tenant: string, sessionId: string, requestId: string, message: string): string {
  return digestOf(["turn", tenant, sessionId, requestId, message]);
}
