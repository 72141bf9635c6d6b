import { badRequest } from "./errors.js";
import { tenantPattern } from "./tenant.js";

/**
 * The one Redis key builder. Every key starts with the deployment prefix; every piece of user
 * data additionally sits under its tenant, so one tenant can never address another's keys.
 */
export interface RedisKeys {
  readonly prefix: string;
  /** Deployment-wide keys (metrics, schedulers): `<prefix>:<parts>`. */
  global(...parts: string[]): string;
  /** Tenant data: `<prefix>:t:<tenant>:<parts>`. */
  tenant(tenant: string, ...parts: string[]): string;
  /** The prefix BullMQ uses for its own keys. */
  readonly queuePrefix: string;
}

export function assertTenant(tenant: string): string {
  if (!tenantPattern.test(tenant)) throw badRequest(`Invalid tenant id "${tenant}"`, "invalid_tenant");
  return tenant;
}

export function createRedisKeys(prefix: string): RedisKeys {
  return {
    prefix,
    global: (...parts) => [prefix, ...parts].join(":"),
    tenant: (tenant, ...parts) => [prefix, "t", assertTenant(tenant), ...parts].join(":"),
    queuePrefix: `${prefix}:bull`,
  };
}
