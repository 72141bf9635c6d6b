/**
 * Error responses in vLLM's wire format.
 *
 * Current vLLM (`ErrorResponse` in vllm/entrypoints/openai/engine/protocol.py)
 * nests the details under `error`, with `code` holding the HTTP status as a
 * number: `{"error": {"message", "type", "param", "code"}}`. Older releases
 * (before the OpenAI-style envelope) sent the same fields flat with
 * `"object": "error"`; clients of the pool should accept both.
 */

export type EngineErrorType = "BadRequestError" | "NotFoundError" | "InternalServerError";

export interface EngineErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: EngineErrorType;
    readonly param: string | null;
    readonly code: number;
  };
}

const statusByType: Record<EngineErrorType, number> = {
  BadRequestError: 400,
  NotFoundError: 404,
  InternalServerError: 500,
};

export function engineErrorResponse(type: EngineErrorType, message: string, param: string | null = null): Response {
  const status = statusByType[type];
  const body: EngineErrorBody = { error: { message, type, param, code: status } };
  return Response.json(body, { status });
}

/** vLLM answers a request for a model it does not serve with 404 and names the model. */
export function modelNotFoundResponse(requestedModel: string): Response {
  return engineErrorResponse("NotFoundError", `The model \`${requestedModel}\` does not exist.`, "model");
}
