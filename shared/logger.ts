import { redact } from "./redact.js";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger whose every line carries `bindings` (e.g. the request id). */
  child(bindings: LogFields): Logger;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LoggerOptions {
  level?: LogLevel;
  /** Where a finished JSON line goes; the only place that writes to the console. */
  sink?: (line: string, level: LogLevel) => void;
  bindings?: LogFields;
  now?: () => number;
}

// The one console user in the codebase.
const consoleSink = (line: string, level: LogLevel) => {
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
};

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const sink = options.sink ?? consoleSink;
  const bindings = options.bindings ?? {};
  const now = options.now ?? Date.now;

  const write = (lineLevel: LogLevel, event: string, fields?: LogFields) => {
    if (rank[lineLevel] < rank[level]) return;
    const record = redact({ time: new Date(now()).toISOString(), level: lineLevel, event, ...bindings, ...fields });
    sink(JSON.stringify(record), lineLevel);
  };

  return {
    debug: (event, fields) => write("debug", event, fields),
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
    child: (extra) => createLogger({ level, sink, now, bindings: { ...bindings, ...extra } }),
  };
}

export const silentLogger: Logger = createLogger({ level: "silent" });
