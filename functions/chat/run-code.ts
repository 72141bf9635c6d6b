import type { ChatCompletion, ChatCompletionRequest, ChatMessage, ChatToolCall } from "../../gpu/openai-types.js";
import { isAppError } from "../../shared/errors.js";

/**
 * Chat's `run_code` tool: Archive offers the model a function that runs Python or JavaScript in
 * the sandbox, executes the model's calls itself, feeds each result back as a `tool` message and
 * asks again — up to a step limit, after which the model must answer in text. What ran, and what
 * it printed, is returned for the `archive` field.
 */
export const runCodeToolName = "run_code";

/** What chat needs of the sandbox (the sandbox function's service satisfies it). */
export interface CodeRunner {
  execute(
    input: { language: "python" | "javascript"; code: string },
    options: { signal?: AbortSignal | undefined; requestId?: string | undefined },
  ): Promise<{ status: string; stdout: string; stderr: string; exit_code: number; duration_ms: number }>;
}

export interface ToolRun {
  tool: typeof runCodeToolName;
  call_id: string;
  language: string | null;
  code: string | null;
  /** The sandbox's outcome (ok, error, timeout, …), or `refused` when no run happened. */
  status: string;
  stdout: string;
  stderr: string;
  exit_code: number | null;
  duration_ms: number | null;
}

export const runCodeTool = {
  type: "function",
  function: {
    name: runCodeToolName,
    description:
      "Run a short Python 3 or JavaScript (Node.js) program in an isolated sandbox without network or files, and get back its stdout, stderr and exit status. Print what you need to see.",
    parameters: {
      type: "object",
      properties: {
        language: { type: "string", enum: ["python", "javascript"] },
        code: { type: "string", description: "The whole program" },
      },
      required: ["language", "code"],
      additionalProperties: false,
    },
  },
} as const;

/** What the model is shown of a run: enough to reason on, never enough to flood its context. */
const maxToolOutputChars = 4000;
const clip = (text: string) => (text.length > maxToolOutputChars ? `${text.slice(0, maxToolOutputChars)}\n[… ${text.length - maxToolOutputChars} more characters]` : text);

function parseArguments(call: ChatToolCall): { language: "python" | "javascript"; code: string } | string {
  let value: unknown;
  try {
    value = JSON.parse(call.function?.arguments ?? "");
  } catch {
    return "the arguments are not valid JSON";
  }
  const { language, code } = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  if (language !== "python" && language !== "javascript") return "`language` must be \"python\" or \"javascript\"";
  if (typeof code !== "string" || code.trim() === "") return "`code` must be a non-empty string";
  return { language, code };
}

async function runOne(call: ChatToolCall, runner: CodeRunner, options: { signal?: AbortSignal | undefined; requestId?: string | undefined }): Promise<ToolRun> {
  const input = parseArguments(call);
  const refused = (reason: string, language: string | null = null, code: string | null = null): ToolRun => ({
    tool: runCodeToolName, call_id: call.id, language, code, status: "refused", stdout: "", stderr: reason, exit_code: null, duration_ms: null,
  });
  if (typeof input === "string") return refused(`run_code was not called correctly: ${input}`);
  try {
    const result = await runner.execute(input, options);
    return { tool: runCodeToolName, call_id: call.id, language: input.language, code: input.code, ...result };
  } catch (error) {
    // A busy or unavailable sandbox (or code it refuses) is something the model can be told; anything else is ours.
    if (isAppError(error) && error.expose && !options.signal?.aborted) return refused(`the sandbox refused the run: ${error.message}`, input.language, input.code);
    throw error;
  }
}

const toolMessage = (run: ToolRun): ChatMessage => ({
  role: "tool",
  tool_call_id: run.call_id,
  content: JSON.stringify({ status: run.status, exit_code: run.exit_code, stdout: clip(run.stdout), stderr: clip(run.stderr) }),
});

/**
 * The loop. `send` asks the engine once (not streamed). It stops when the model answers without
 * calling run_code, when it calls a tool of the client's (that is the client's loop to run), or
 * after `maxSteps` rounds of runs — then once more with `tool_choice: "none"` for a text answer.
 */
export async function completeWithRunCode(options: {
  request: ChatCompletionRequest;
  send: (request: ChatCompletionRequest) => Promise<ChatCompletion>;
  runner: CodeRunner;
  maxSteps: number;
  signal?: AbortSignal | undefined;
  requestId?: string | undefined;
}): Promise<{ completion: ChatCompletion; runs: ToolRun[] }> {
  // Each step is answered whole (the client's stream, if any, is made from the last one).
  const { stream: _stream, stream_options: _streamOptions, ...request } = options.request;
  const tools = [...(request.tools ?? []).filter((tool) => !isRunCode(tool)), runCodeTool];
  const messages = [...request.messages];
  const runs: ToolRun[] = [];
  for (let step = 0; ; step++) {
    const final = step >= options.maxSteps;
    const completion = await options.send({ ...request, messages: [...messages], tools, tool_choice: final ? "none" : request.tool_choice });
    const message = completion.choices[0]?.message;
    const calls = message?.tool_calls ?? [];
    if (final || calls.length === 0 || calls.some((call) => call.function?.name !== runCodeToolName)) return { completion, runs };
    messages.push({ role: "assistant", content: message?.content ?? null, tool_calls: calls });
    // One at a time: a model's calls often build on each other, and the sandbox slots are shared.
    for (const call of calls) {
      const run = await runOne(call, options.runner, options);
      runs.push(run);
      messages.push(toolMessage(run));
    }
  }
}

function isRunCode(tool: unknown): boolean {
  const fn = typeof tool === "object" && tool !== null ? (tool as { function?: { name?: unknown } }).function : undefined;
  return fn?.name === runCodeToolName;
}
