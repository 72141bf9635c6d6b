import { z } from "zod";
import { nestingDepth } from "../http.js";

/**
 * Request bounds of the memory API. Every list and search is bounded; the maximums are part of
 * the contract (a value outside them is a 422 naming the field).
 */
export const maxMessageChars = 8000;
/** The stored context of a memory (the assistant message it answered); longer ones keep their end. */
export const maxAnsweredChars = 4000;
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
  user: z.string().max(256).optional(),
});

/** The end user, as chat takes it (OpenAI's `user`); the header X-Archive-User is the other way. */
const endUserSchema = z.string().max(256).optional();

export const addMemorySchema = z.object({
  message: textSchema(maxMessageChars, "message"),
  metadata: metadataSchema.optional(),
  session_id: sessionIdSchema.optional(),
  /** What the message answered (the other side of the conversation); indexed for search. */
  answered: z.string().max(maxAnsweredChars, `answered may hold at most ${maxAnsweredChars} characters`).optional(),
  user: endUserSchema,
});

/** ISO 8601 with an offset, as epoch ms. */
const isoTime = z.iso.datetime({ offset: true, error: "use an ISO 8601 time with an offset, e.g. 2026-05-01T00:00:00Z" }).transform((value) => Date.parse(value));

export const searchSchema = z
  .object({
    query: textSchema(maxQueryChars, "query"),
    top_k: z.number().int().min(1).max(maxTopK).default(defaultTopK),
    min_similarity: z.number().min(0).max(1).optional(),
    /** The original's filter: only memories of this session. */
    session_id: sessionIdSchema.optional(),
    /** Only memories said at or after `after` and before `before`. */
    after: isoTime.optional(),
    before: isoTime.optional(),
    user: endUserSchema,
  })
  .refine((body) => body.after === undefined || body.before === undefined || body.after < body.before, { message: "after must be earlier than before", path: ["before"] });

export const archiveSearchSchema = z.object({
  query: textSchema(maxQueryChars, "query"),
  top_k: z.number().int().min(1).max(maxTopK).default(defaultTopK),
  user: endUserSchema,
});

/** Query parameters of the GET and DELETE routes: only the end user. */
export const userQuerySchema = z.object({ user: endUserSchema });

export const restoreSchema = z.object({
  user: endUserSchema,
  ids: z.array(z.string().min(1).max(64)).min(1, "name at least one id").max(maxRestoreIds, `restore at most ${maxRestoreIds} ids at once`),
});
