import { z } from "zod";

/**
 * Request bounds of `POST /sandbox/execute`. Sizes are part of the contract (beyond them: 422
 * naming the field); the run-time limits (timeout, memory, processes, output) come from config.
 */
export const maxCodeChars = 100_000;
export const maxStdinChars = 262_144;
export const maxFiles = 16;
export const maxFileChars = 262_144;
export const maxFilesTotalChars = 524_288;

/** A plain name: no directories, no dot files, never the program's own name. */
const fileNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/, "use 1 to 100 letters, digits, `.`, `_` or `-` (no directories, not starting with `.`)")
  .refine((name) => name !== "main.py" && name !== "main.js", "main.py and main.js hold the program itself");

export const executeSchema = z.object({
  language: z.enum(["python", "javascript"]),
  code: z.string().min(1, "code must not be empty").max(maxCodeChars, `code may hold at most ${maxCodeChars} characters`),
  stdin: z.string().max(maxStdinChars, `stdin may hold at most ${maxStdinChars} characters`).optional(),
  /** Within 1 ms and the configured maximum (checked by the service, which knows it). */
  timeout_ms: z.number().int().min(1).optional(),
  files: z
    .array(z.object({ name: fileNameSchema, content: z.string().max(maxFileChars, `a file may hold at most ${maxFileChars} characters`) }))
    .max(maxFiles, `send at most ${maxFiles} files`)
    .refine((files) => new Set(files.map((file) => file.name)).size === files.length, "file names must be unique")
    .refine((files) => files.reduce((sum, file) => sum + file.content.length, 0) <= maxFilesTotalChars, `files may hold at most ${maxFilesTotalChars} characters in total`)
    .optional(),
});

export type ExecuteRequest = z.output<typeof executeSchema>;
