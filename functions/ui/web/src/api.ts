/**
 * The one way the UI talks to Archive: same origin, the API key (if any) as a bearer token,
 * problem+json (or OpenAI's error body under /v1/) turned into an ApiError a person can read.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface Api {
  json<T>(path: string, init?: { method?: string; body?: unknown; signal?: AbortSignal }): Promise<T>;
  /** A raw response for streams; errors are already turned into ApiError. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Headers to send on requests made without `fetch` (uploads through XMLHttpRequest). */
  authHeaders(): Record<string, string>;
}

const keyStorage = "archive.apiKey";

/** The key lives in session storage: gone when the tab closes, never in a cookie or the URL. */
export const storedKey = {
  get: () => sessionStorage.getItem(keyStorage) ?? "",
  set: (key: string) => (key ? sessionStorage.setItem(keyStorage, key) : sessionStorage.removeItem(keyStorage)),
};

export function createApi(getKey: () => string): Api {
  const authHeaders = (): Record<string, string> => {
    const key = getKey();
    return key ? { authorization: `Bearer ${key}` } : {};
  };

  async function send(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = { accept: "application/json", ...authHeaders(), ...(init.headers as Record<string, string> | undefined) };
    const response = await fetch(path, { ...init, headers, credentials: "omit", cache: "no-store" });
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  return {
    authHeaders,
    fetch: send,
    async json<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}) {
      const hasBody = init.body !== undefined;
      const response = await send(path, {
        method: init.method ?? (hasBody ? "POST" : "GET"),
        ...(hasBody ? { body: JSON.stringify(init.body), headers: { "content-type": "application/json" } } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      return (await response.json()) as T;
    },
  };
}

export async function errorOf(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let code: string | undefined;
  try {
    const body = (await response.json()) as { detail?: string; title?: string; code?: string; error?: { message?: string; code?: string } };
    message = body.detail ?? body.error?.message ?? body.title ?? message;
    code = body.code ?? body.error?.code ?? undefined;
  } catch {
    // Not JSON: the status line is all there is.
  }
  return new ApiError(response.status, message, code);
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
