/**
 * Stable identifiers derived from content (Web Crypto, so the same code runs in Node and workerd).
 */
const encoder = new TextEncoder();

async function sha256Hex(parts: readonly string[]): Promise<string> {
  // NUL cannot occur in a tenant, session or request id, so the joined parts cannot collide.
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(parts.join("\u0000")));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The capture idempotency key: the same request (same `X-Request-Id`, e.g. a client retry)
 * enqueues the same turn once; the same words in a new request are a new turn. Tenant and session
 * are part of it so two tenants can never share a turn id.
 */
export function turnIdFor(tenant: string, sessionId: string, requestId: string, message: string): Promise<string> {
  return sha256Hex(["turn", tenant, sessionId, requestId, message]);
}

/**
 * OpenAI's `user` names a conversation when no `session_id` is given. It is free-form (often an
 * e-mail address), so it is hashed into a session id: safe as a key and header, and not echoed back.
 */
export async function sessionIdForUser(user: string): Promise<string> {
  return `user-${(await sha256Hex(["user", user])).slice(0, 32)}`;
}
