/** Strips credentials so they never reach a response or a log line. */
const secretKey = /(pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential)/i;

/** `redis://:hunter2@host:6379/0` → `redis://***@host:6379/0`; non-URLs pass through. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (!url.username && !url.password) return value;
    url.username = "***";
    url.password = "";
    return url.toString().replace("***:@", "***@");
  } catch {
    return value;
  }
}

/** Credentials of any `scheme://user:pass@` inside free text (error messages quote URLs). */
const embeddedCredentials = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[depth]";
  if (typeof value === "string") return value.includes("://") ? redactUrl(value).replace(embeddedCredentials, "$1***@") : value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Error) {
    const error: Record<string, unknown> = { name: value.name, message: redact(value.message, depth + 1), stack: redact(value.stack, depth + 1) };
    if (value.cause !== undefined) error.cause = redact(value.cause, depth + 1);
    return error;
  }
  if (value && typeof value === "object") {
    const output: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      output[key] = secretKey.test(key) ? "[redacted]" : redact(item, depth + 1);
    }
    return output;
  }
  return value;
}
