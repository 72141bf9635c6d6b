import { AppError } from "../../shared/errors.js";

/**
 * A field Archive cannot honour: a 400 that names it (OpenAI clients show `param`), never a
 * silent drop that leaves the caller believing it took effect.
 */
export const unsupportedField = (path: string, detail: string) =>
  new AppError({
    code: "unsupported_parameter",
    status: 400,
    title: "Bad Request",
    detail: `${path}: ${detail}`,
    errors: [{ path, message: detail }],
  });

/** A value outside a documented bound: 400 naming the field. */
export const outOfBounds = (path: string, detail: string, code = "input_too_large") =>
  new AppError({ code, status: 400, title: "Bad Request", detail: `${path}: ${detail}`, errors: [{ path, message: detail }] });

/** OpenAI's 404 for an unknown model id, `param: "model"`. */
export const modelNotFound = (model: string, known: readonly string[]) =>
  new AppError({
    code: "model_not_found",
    status: 404,
    title: "Not Found",
    detail: `The model \`${model}\` does not exist here${known.length > 0 ? `; available: ${known.join(", ")}` : ""}`,
    errors: [{ path: "model", message: "unknown model" }],
  });

/** Fields a request may carry only with a value that means "off"; anything else is refused by name. */
export function refuseUnlessOff(body: Record<string, unknown>, fields: Record<string, (value: unknown) => boolean>, detail: string): void {
  for (const [field, isOff] of Object.entries(fields)) {
    const value = body[field];
    if (value !== undefined && value !== null && !isOff(value)) throw unsupportedField(field, detail);
  }
}
