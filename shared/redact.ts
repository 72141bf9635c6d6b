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

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[depth]";
  if (typeof value === "string") return value.includes("://") ? redactUrl(value) : value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (value && typeof value === "object") {
    const output: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      output[key] = secretKey.test(key) ? "[redacted]" : redact(item, depth + 1);
    }
    return output;
  }
  return value;
}
