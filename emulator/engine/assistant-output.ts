/**
 * What the emulated assistant answers with, before it is cut into tokens: a text reply, JSON
 * that matches the requested schema (response_format, or vLLM's guided_json / guided_choice), or
 * tool calls. The rules stand in for a model that follows instructions:
 * - tools are offered and `tool_choice` forces one (`required` or a named function) → that call;
 * - `tool_choice` is `auto` (the default) and the latest turn is the user's and names a tool
 *   (`get_weather` or "get weather") → a call to each named tool (one unless
 *   `parallel_tool_calls` allows more);
 * - the latest turn is a tool result → a final text that quotes it (see synthetic-reply.ts).
 */
import type { LanguageModel } from "./language-model.js";
import type { ChatCompletionRequest } from "./request-schemas.js";
import { instanceOf } from "./schema-instance.js";
import { composeReply, pickKeywords, type ChatTurn } from "./synthetic-reply.js";

export interface PlannedToolCall {
  readonly name: string;
  /** JSON text, as OpenAI sends it. */
  readonly arguments: string;
}

export type AssistantOutput = { readonly kind: "text"; readonly text: string } | { readonly kind: "tool_calls"; readonly calls: readonly PlannedToolCall[] };

interface FunctionTool {
  readonly name: string;
  readonly parameters: unknown;
}

type Record_ = Record<string, unknown>;
const isRecord = (value: unknown): value is Record_ => typeof value === "object" && value !== null && !Array.isArray(value);

function functionTools(tools: unknown): FunctionTool[] {
  if (!Array.isArray(tools)) return [];
  const found: FunctionTool[] = [];
  for (const tool of tools) {
    if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function) || typeof tool.function.name !== "string") continue;
    found.push({ name: tool.function.name, parameters: tool.function.parameters });
  }
  return found;
}

const mentions = (text: string, name: string): boolean => {
  const lower = text.toLowerCase();
  const spoken = name.toLowerCase().replace(/[_-]+/g, " ");
  return lower.includes(name.toLowerCase()) || lower.includes(spoken);
};

function toolsToCall(request: ChatCompletionRequest, turns: readonly ChatTurn[]): FunctionTool[] {
  const tools = functionTools(request.tools);
  const choice = request.tool_choice;
  if (tools.length === 0 || choice === "none") return [];
  if (isRecord(choice)) {
    const named = isRecord(choice.function) ? choice.function.name : undefined;
    const tool = tools.find((candidate) => candidate.name === named);
    return tool ? [tool] : [];
  }
  const last = turns.at(-1);
  // After a tool result the model answers in text (unless a call is forced by name above).
  if (last?.role !== "user") return choice === "required" ? tools.slice(0, 1) : [];
  const named = tools.filter((tool) => mentions(last.text, tool.name));
  const chosen = named.length > 0 ? named : choice === "required" ? tools.slice(0, 1) : [];
  return request.parallel_tool_calls === false ? chosen.slice(0, 1) : chosen;
}

/** The schema an answer must match, from OpenAI's response_format or vLLM's guided decoding extras. */
function requiredJson(request: ChatCompletionRequest): { schema: unknown } | undefined {
  const format = request.response_format;
  if (isRecord(format)) {
    if (format.type === "json_schema") return { schema: isRecord(format.json_schema) ? format.json_schema.schema : undefined };
    if (format.type === "json_object") return { schema: undefined };
  }
  const guided = request.guided_json;
  if (typeof guided === "string") {
    try {
      return { schema: JSON.parse(guided) as unknown };
    } catch {
      return { schema: undefined };
    }
  }
  if (isRecord(guided)) return { schema: guided };
  return undefined;
}

export function planOutput(request: ChatCompletionRequest, turns: readonly ChatTurn[], languageModel: LanguageModel): AssistantOutput {
  const lastUser = [...turns].reverse().find((turn) => turn.role === "user");
  const calls = toolsToCall(request, turns);
  // A tool's own name is what asked for it, not an argument ("use get_weather for Lisbon" → Lisbon).
  const nameParts = new Set(calls.flatMap((tool) => tool.name.toLowerCase().split(/[_\W]+/)));
  const words = pickKeywords(lastUser?.text ?? "", languageModel).filter((word) => !nameParts.has(word.toLowerCase()));
  if (calls.length > 0) {
    return { kind: "tool_calls", calls: calls.map((tool) => ({ name: tool.name, arguments: JSON.stringify(instanceOf(tool.parameters ?? { type: "object" }, { words })) })) };
  }
  const guidedChoice = request.guided_choice;
  if (Array.isArray(guidedChoice) && typeof guidedChoice[0] === "string") return { kind: "text", text: guidedChoice[0] };
  const reply = composeReply(turns, languageModel);
  const json = requiredJson(request);
  if (json) {
    // json_object without a schema: an object that carries the reply, as a model asked for JSON would.
    const value = json.schema === undefined ? { answer: reply } : instanceOf(json.schema, { words });
    return { kind: "text", text: JSON.stringify(value) };
  }
  return { kind: "text", text: reply };
}
