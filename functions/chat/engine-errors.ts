import { AppError } from "../../shared/errors.js";

/**
 * An engine's 4xx, re-issued as our error so the router renders it in the route's format (OpenAI's
 * error body under `/v1/`, problem+json elsewhere) with the engine's status. 5xx never gets here:
 * the pool treats those as endpoint failures (retry, then 503).
 */
interface EngineErrorFields {
  message?: unknown;
  type?: unknown;
  param?: unknown;
  code?: unknown;
}

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  422: "Validation Failed",
  429: "Too Many Requests",
};

function readFields(text: string): EngineErrorFields {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {}; // A non-JSON error body (a proxy's HTML page) still has a status worth reporting.
  }
  if (typeof body !== "object" || body === null) return {};
  // Current vLLM and OpenAI nest the fields under `error`; older vLLM sends them flat.
  const nested = (body as { error?: unknown }).error;
  return (typeof nested === "object" && nested !== null ? nested : body) as EngineErrorFields;
}

export async function engineError(response: Response, what: string): Promise<AppError> {
  const fields = readFields(await response.text().catch(() => ""));
  const status = response.status;
  const param = typeof fields.param === "string" && fields.param ? fields.param : undefined;
  const message = typeof fields.message === "string" && fields.message ? fields.message : `The inference engine refused ${what} (HTTP ${status})`;
  // vLLM's only 404 for an inference route is an unknown model (`NotFoundError`, param `model`).
  const modelMissing = status === 404 && (param === "model" || fields.type === "NotFoundError");
  if (status === 404 && !modelMissing) {
    // A 404 without an OpenAI error body means the engine lacks the route: our deployment's fault, not the client's.
    return new AppError({
      code: "engine_route_missing",
      status: 502,
      title: "Bad Gateway",
      detail: `The inference engine does not serve ${what}`,
      expose: true,
    });
  }
  const retryAfter = response.headers.get("retry-after");
  return new AppError({
    code: modelMissing ? "model_not_found" : typeof fields.code === "string" && fields.code ? fields.code : `engine_${status}`,
    status,
    title: titles[status] ?? "Request Rejected",
    detail: message,
    expose: true,
    isRetryable: status === 429,
    headers: status === 429 && retryAfter ? { "Retry-After": retryAfter } : {},
    errors: param || modelMissing ? [{ path: param ?? "model", message }] : undefined,
  });
}
