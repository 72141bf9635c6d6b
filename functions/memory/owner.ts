import { sha256Hex } from "../../shared/sha256.js";
import { defaultEndUser } from "../chat/index.js";

/**
 * Whose memories: an end user inside a tenant (front-ends use one API key for many people).
 *
 * The default end user keeps the keys memory had before end users existed, so data written then is
 * simply the default user's — no migration. Every other end user's keys, vector collection and cold
 * partition carry a segment derived from a hash of the name: names are free text (emails, spaces,
 * colons) and must never be able to address another owner's keys.
 */
export interface MemoryOwner {
  tenant: string;
  endUser: string;
}

/** "" for the default end user, else `u-` and 128 bits of the name's hash. */
export function ownerSegment(endUser: string): string {
  return endUser === defaultEndUser ? "" : `u-${sha256Hex(`memory-owner/v1\u0000${endUser}`).slice(0, 32)}`;
}

/** Key parts below the tenant: none for the default end user. */
export const ownerKeyParts = (endUser: string): string[] => {
  const segment = ownerSegment(endUser);
  return segment === "" ? [] : [segment];
};

/** The vector collection (also the name of the BM25 follower's replica). */
export const memoryCollectionFor = (endUser: string) => {
  const segment = ownerSegment(endUser);
  return segment === "" ? "memories" : `memories-${segment}`;
};

/** The cold store's partition: the tenant itself for the default end user ("." never occurs in a tenant id). */
export const coldPartitionFor = (owner: MemoryOwner) => {
  const segment = ownerSegment(owner.endUser);
  return segment === "" ? owner.tenant : `${owner.tenant}.${segment}`;
};

export const ownerOf = (scope: { tenant: string; endUser?: string | undefined }): MemoryOwner => ({ tenant: scope.tenant, endUser: scope.endUser ?? defaultEndUser });
