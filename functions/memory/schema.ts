import { z } from "zod";
import { nestingDepth } from "../http.js";

/**
 * Request bounds of the memory API. Every list and search is bounded; the maximums are part of
 * the contract (a value outside them is a 422 naming the field).
 */
export const maxMessageChars = 8000;
export const maxMetadataBytes = 4096;
export const maxListLimit = 100;
export const defaultListLimit = 50;
export const maxOffset = 10_000_000;
export const maxTopK = 50;
export const defaultTopK = 10;
export const maxQueryChars = 2000;
export const maxRestoreIds = 100;

/** Same alphabet as chat's session ids, so a chat session can be named here. */
const sessionIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "use 1 to 128 letters, digits, `_`, `.`, `:` or `-`");

const textSchema = (max: number, what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} may hold at most ${max} characters`)
    .refine((value) => value.trim() !== "", `${what} must contain more than whitespace`);

const encoder = new TextEncoder();

export const maxMetadataDepth = 8;

// Depth first: measuring the size serializes, and serializing a 5,000-deep value overflows the stack.
const metadataSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => nestingDepth(value, maxMetadataDepth) <= maxMetadataDepth, { message: `metadata may nest at most ${maxMetadataDepth} levels deep`, abort: true })
  .refine((value) => encoder.encode(JSON.stringify(value)).length <= maxMetadataBytes, `metadata may be at most ${maxMetadataBytes} bytes of JSON`);

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(maxListLimit).default(defaultListLimit),
  offset: z.coerce.number().int().min(0).max(maxOffset).default(0),
});

export const addMemorySchema = z.object({
  message: textSchema(maxMessageChars, "message"),
  metadata: metadataSchema.optional(),
  session_id: sessionIdSchema.optional(),
});

export const searchSchema = z.object({
  query: textSchema(maxQueryChars, "query"),
  top_k: z.number().int().min(1).max(maxTopK).default(defaultTopK),
  min_similarity: z.number().min(0).max(1).optional(),
  /** The original's filter: only memories of this session. */
  session_id: sessionIdSchema.optional(),
});

export const archiveSearchSchema = z.object({
  query: textSchema(maxQueryChars, "query"),
  top_k: z.number().int().min(1).max(maxTopK).default(defaultTopK),
});

export const restoreSchema = z.object({
  ids: z.array(z.string().min(1).max(64)).min(1, "name at least one id").max(maxRestoreIds, `restore at most ${maxRestoreIds} ids at once`),
});
