import { AppError, isAppError } from "./errors.js";

/** RFC 9457 problem details, as every non-OpenAI route answers errors. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: { path: string; message: string }[];
}

/** OpenAI's error body, which OpenAI clients parse on `/v1/*`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const internal = () =>
  new AppError({ code: "internal_error", status: 500, title: "Internal Server Error", expose: false });

/** Unknown errors collapse to an opaque 500 so internals never leak. */
export function normalizeError(error: unknown): AppError {
  return isAppError(error) ? error : internal();
}

export function toProblem(error: AppError, requestId: string): Problem {
  const problem: Problem = {
    type: `https://archive.dev/problems/${error.code.replaceAll("_", "-")}`,
    title: error.title,
    status: error.status,
    detail: error.expose ? error.message : "An unexpected error occurred; the request id identifies it in the logs",
    code: error.code,
    requestId,
  };
  if (error.errors) problem.errors = error.errors;
  return problem;
}

const openAITypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "invalid_request_error",
  415: "invalid_request_error",
  422: "invalid_request_error",
  429: "rate_limit_error",
};

export function toOpenAIError(error: AppError): OpenAIErrorBody {
  const firstField = error.errors?.[0]?.path;
  return {
    error: {
      message: error.expose ? error.message : "An unexpected error occurred",
      type: openAITypes[error.status] ?? (error.status >= 500 ? "server_error" : "invalid_request_error"),
      param: firstField ? firstField : null,
      code: error.code,
    },
  };
}
