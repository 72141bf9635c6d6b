import type { z } from "zod";
import { badRequest, unsupportedMediaType, validationFailed } from "../shared/errors.js";
import type { AppContext } from "./app-env.js";

/**
 * Reads a JSON body and validates it. Malformed JSON is a 400, a valid document of the wrong
 * shape a 422 listing every bad field, a non-JSON content type a 415.
 */
export async function readJson<Schema extends z.ZodType>(c: AppContext, schema: Schema): Promise<z.output<Schema>> {
  const contentType = c.req.header("content-type") ?? "";
  if (contentType && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    throw unsupportedMediaType(`Send the body as application/json (got ${contentType.split(";")[0]})`);
  }
  const text = await c.req.text();
  if (text.trim() === "") throw badRequest("The request body is empty; send a JSON object", "invalid_json");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw badRequest(`The request body is not valid JSON: ${(error as Error).message}`, "invalid_json");
  }
  if (nestingDepth(body, maxJsonDepth) > maxJsonDepth) {
    throw badRequest(`The request body is nested more than ${maxJsonDepth} levels deep`, "json_too_deep");
  }
  return parseWith(schema, body);
}

/** Deeper than any request needs; recursive code downstream (schemas, JSON.stringify) stays far from the stack's end. */
export const maxJsonDepth = 64;

/**
 * Nesting depth of a parsed JSON value, without recursion (a 10 KB body can nest 5,000 deep, which
 * overflows the stack of any recursive walk). Stops counting just past `limit`.
 */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (current === null || typeof current !== "object") continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === "object") pending.push({ value: child, depth: level });
    }
  }
  return deepest;
}

export function parseWith<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw validationFailed(
      result.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message })),
    );
  }
  return result.data;
}

/** Query parameters validated like a body (strings in, coerced by the schema). */
export function readQuery<Schema extends z.ZodType>(c: AppContext, schema: Schema): z.output<Schema> {
  return parseWith(schema, c.req.query());
}

/** Headers of an SSE reply. Reverse proxies (nginx) buffer responses by default, which would hold every token back. */
export const eventStreamHeaders = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache",
  "X-Accel-Buffering": "no",
} as const;
