/**
 * The one error family. Anything a user can fix is an AppError with `expose: true`;
 * everything else becomes a 500 whose detail is never shown (it may hold internals).
 */
export interface FieldError {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  code: string;
  status: number;
  title: string;
  detail?: string;
  expose?: boolean;
  isRetryable?: boolean;
  headers?: Record<string, string>;
  errors?: FieldError[];
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly expose: boolean;
  readonly isRetryable: boolean;
  readonly headers: Record<string, string>;
  readonly errors: FieldError[] | undefined;

  constructor(options: AppErrorOptions) {
    super(options.detail ?? options.title, { cause: options.cause });
    this.name = "AppError";
    this.code = options.code;
    this.status = options.status;
    this.title = options.title;
    this.expose = options.expose ?? options.status < 500;
    this.isRetryable = options.isRetryable ?? false;
    this.headers = options.headers ?? {};
    this.errors = options.errors;
  }
}

export const badRequest = (detail: string, code = "bad_request") =>
  new AppError({ code, status: 400, title: "Bad Request", detail });

export const validationFailed = (errors: FieldError[]) =>
  new AppError({
    code: "validation_failed",
    status: 422,
    title: "Validation Failed",
    detail: errors.map((error) => (error.path ? `${error.path}: ${error.message}` : error.message)).join("; "),
    errors,
  });

export const unauthorized = (detail: string) =>
  new AppError({
    code: "unauthorized",
    status: 401,
    title: "Unauthorized",
    detail,
    headers: { "WWW-Authenticate": 'Bearer realm="archive"' },
  });

export const notFound = (detail: string, code = "not_found") =>
  new AppError({ code, status: 404, title: "Not Found", detail });

export const methodNotAllowed = (method: string, allowed: string[]) =>
  new AppError({
    code: "method_not_allowed",
    status: 405,
    title: "Method Not Allowed",
    detail: `${method} is not allowed here; use ${allowed.join(", ")}`,
    headers: { Allow: allowed.join(", ") },
  });

export const payloadTooLarge = (limitBytes: number) =>
  new AppError({
    code: "payload_too_large",
    status: 413,
    title: "Payload Too Large",
    detail: `The request body is larger than the limit of ${limitBytes} bytes`,
  });

export const uriTooLong = (limitChars: number) =>
  new AppError({ code: "uri_too_long", status: 414, title: "URI Too Long", detail: `The URL is longer than ${limitChars} characters; send large input in the body` });

/** The client went away before the answer: 499 (nginx's "client closed request"), not a 5xx that pages someone; nobody reads the body. */
export const clientClosedRequest = (cause?: unknown) =>
  new AppError({ code: "client_closed_request", status: 499, title: "Client Closed Request", detail: "The client disconnected before the response", cause });

export const unsupportedMediaType = (detail: string) =>
  new AppError({ code: "unsupported_media_type", status: 415, title: "Unsupported Media Type", detail });

export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new AppError({
    code: "too_many_requests",
    status: 429,
    title: "Too Many Requests",
    detail,
    isRetryable: true,
    headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

export const serviceUnavailable = (detail: string, options: { code?: string; cause?: unknown; retryAfterSeconds?: number } = {}) =>
  new AppError({
    code: options.code ?? "service_unavailable",
    status: 503,
    title: "Service Unavailable",
    detail,
    expose: true,
    isRetryable: true,
    cause: options.cause,
    headers: options.retryAfterSeconds ? { "Retry-After": String(Math.ceil(options.retryAfterSeconds)) } : {},
  });

/** Redis refused a write because it is at maxmemory (Archive runs it `noeviction`, so nothing was lost or half-written). */
export const storageFull = (cause: unknown) =>
  new AppError({
    code: "storage_full",
    status: 507,
    title: "Insufficient Storage",
    detail: "Archive's Redis is full (maxmemory reached); nothing was written. Reads still work; the operator must raise maxmemory or archive/delete data",
    expose: true,
    cause,
  });

/** The deployment's configuration is invalid (a Worker learns it on its first request); the detail names the variables, never their values. */
export const misconfigured = (detail: string) =>
  new AppError({ code: "misconfigured", status: 500, title: "Misconfigured", detail, expose: true });

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
