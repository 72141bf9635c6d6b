import type { z } from "zod";
import { badRequest, unsupportedMediaType, validationFailed } from "../shared/errors.js";
import type { AppContext } from "./context.js";

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
  return parseWith(schema, body);
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
