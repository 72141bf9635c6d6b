import type { RequestScope } from "../../request-scope.js";
import type { ChatMessage } from "../../../gpu/openai-types.js";
import type { Clock, IdGenerator } from "../../../shared/clock.js";
import { notFound, serviceUnavailable } from "../../../shared/errors.js";
import type { ChatService, ClientMessage, CompletionRequestBody } from "../../chat/index.js";
import { unsupportedField } from "../errors.js";
import { inputMessages, outputOf } from "./items.js";
import { frameOf, responseObject, statusFor } from "./render.js";
import { offValues, type FunctionTool, type ResponseRequestBody } from "./schema.js";
import type { ResponseStore, StoredResponse } from "./store.js";
import { responsesEventStream } from "./stream.js";
import type { ResponseObject } from "./wire.js";

/**
 * The Responses API on top of the chat path: a request becomes a chat completion through the
 * chat service — so memory retrieval, capture, the pool and its limits are exactly chat's — and
 * the completion becomes a response. What the Responses API adds is kept here: the conversation
 * behind `previous_response_id` and `item_reference`, in the response store.
 */
export interface ResponsesServiceDeps {
  chat: Pick<ChatService, "complete">;
  store: ResponseStore;
  clock: Clock;
  ids: IdGenerator;
  /** The model a request without one gets (the pool's): a stream names it in its first event. */
  defaultModel(signal: AbortSignal | undefined): Promise<string>;
}

export type ResponseResult = { kind: "json"; response: ResponseObject } | { kind: "stream"; body: ReadableStream<Uint8Array> };

export interface ResponsesService {
  create(body: ResponseRequestBody, scope: RequestScope): Promise<ResponseResult>;
  retrieve(id: string, scope: RequestScope): Promise<ResponseObject>;
  remove(id: string, scope: RequestScope): Promise<void>;
}

/** Storing a response delays its end; past this it is given up (and the response fails). */
const storeBudgetMs = 2000;

const responseMissing = (id: string, path?: string) => {
  const error = notFound(`No stored response with id \`${id}\` (responses are kept for RESPONSES_STORE_DAYS, and only with \`store\` on)`, "response_not_found");
  return path ? Object.assign(error, { errors: [{ path, message: "unknown response" }] }) : error;
};

export function createResponsesService(deps: ResponsesServiceDeps): ResponsesService {
  const { chat, store, clock, ids } = deps;

  const save = async (scope: RequestScope, stored: StoredResponse): Promise<void> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), storeBudgetMs);
    });
    try {
      const saving = scope.redis().then((redis) => store.save(redis, scope.tenant, stored));
      if ((await Promise.race([saving, deadline])) === "timeout") throw new Error(`storing took longer than ${storeBudgetMs} ms`);
    } catch (error) {
      scope.logger.error("response_store_failed", { response_id: stored.response.id, error });
      throw serviceUnavailable("The response could not be stored; send it again, or with `store: false`", { code: "response_store_unavailable", cause: error });
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async create(body, scope) {
      checkHonourable(body);
      const redis = body.previous_response_id || hasReferences(body) ? await scope.redis() : undefined;
      const previous = body.previous_response_id && redis ? await store.load(redis, scope.tenant, body.previous_response_id) : undefined;
      if (body.previous_response_id && !previous) throw responseMissing(body.previous_response_id, "previous_response_id");
      const input = await inputMessages(body.input, async (id) => (redis ? store.item(redis, scope.tenant, id) : undefined));
      if (input.length === 0 && !previous) throw unsupportedField("input", "send the text or items to respond to");
      // Instructions hold for this response only; they are not carried into the next (as OpenAI does).
      const conversation = [...(previous?.conversation ?? []), ...input];
      const instructions: ChatMessage[] = body.instructions ? [{ role: "system", content: body.instructions }] : [];
      const stream = body.stream === true;
      const model = body.model ?? (await deps.defaultModel(scope.signal));
      const request: CompletionRequestBody = {
        model,
        messages: toClientMessages([...instructions, ...conversation]),
        temperature: body.temperature,
        top_p: body.top_p,
        max_tokens: body.max_output_tokens,
        ...toolFields(body),
        ...(body.text?.format && body.text.format.type !== "text" ? { response_format: responseFormat(body.text.format) } : {}),
        ...(body.user ? { user: body.user } : {}),
        stream,
        ...(stream ? { stream_options: { include_usage: true } } : {}),
        ...(body.archive ? { archive: body.archive } : {}),
      };
      const result = await chat.complete(request, undefined, scope);
      const id = `resp_${ids.next()}`;
      const keep = body.store !== false;

      if (result.kind === "stream") {
        return {
          kind: "stream",
          body: responsesEventStream(result.body, {
            frame: frameOf(body, { id, createdAt: clock.now(), model }),
            ids,
            now: () => clock.now(),
            finish: async ({ response, message }) => {
              if (keep) await save(scope, { response, conversation: [...conversation, message] });
            },
          }),
        };
      }

      const { completion } = result;
      const choice = completion.choices[0];
      const status = statusFor(choice?.finish_reason);
      const { items, message } = outputOf(choice?.message ?? { content: "" }, ids, status === "incomplete" ? "incomplete" : "completed");
      const response = responseObject(frameOf(body, { id, createdAt: completion.created * 1000, model: completion.model }), {
        status,
        output: items,
        usage: completion.usage,
        finishReason: choice?.finish_reason,
        completedAt: clock.now(),
        archive: completion.archive,
      });
      if (keep) await save(scope, { response, conversation: [...conversation, message] });
      return { kind: "json", response };
    },

    async retrieve(id, scope) {
      const stored = await store.load(await scope.redis(), scope.tenant, id);
      if (!stored) throw responseMissing(id);
      return stored.response;
    },

    async remove(id, scope) {
      if (!(await store.remove(await scope.redis(), scope.tenant, id))) throw responseMissing(id);
    },
  };
}

const hasReferences = (body: ResponseRequestBody) => Array.isArray(body.input) && body.input.some((item) => item.type === "item_reference");

/** Every field of the request that the chat path cannot carry out is refused by name. */
function checkHonourable(body: ResponseRequestBody): void {
  for (const [field, value] of Object.entries(body)) {
    if (value === undefined || value === null) continue;
    const isOff = offValues[field];
    if (isOff) {
      if (!isOff(value)) throw unsupportedField(field, "is not supported by Archive's Responses API; leave it out");
    } else if (!knownFields.has(field)) {
      throw unsupportedField(field, "is not a parameter of the Responses API");
    }
  }
  if (body.text?.verbosity && body.text.verbosity !== "medium") throw unsupportedField("text.verbosity", "the engine has no verbosity control; leave it out");
  body.tools?.forEach((tool, index) => {
    if (tool.type !== "function") throw unsupportedField(`tools[${index}].type`, `\`${tool.type}\` tools are not supported (function tools are)`);
  });
  const choice = body.tool_choice;
  if (typeof choice === "object" && choice !== null && choice.type !== "function") {
    throw unsupportedField("tool_choice", "only `none`, `auto`, `required` or `{type: \"function\", name}` can be honoured");
  }
}

/** Responses' flat function tools become chat's nested ones; the choice of one follows. */
function toolFields(body: ResponseRequestBody): Partial<CompletionRequestBody> {
  const fields: Partial<CompletionRequestBody> = {};
  const tools = (body.tools ?? []).filter((tool): tool is FunctionTool => tool.type === "function");
  if (tools.length > 0) {
    fields.tools = tools.map((tool) => ({
      type: "function",
      function: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        ...(tool.parameters ? { parameters: tool.parameters } : {}),
        ...(tool.strict != null ? { strict: tool.strict } : {}),
      },
    }));
  }
  const choice = body.tool_choice;
  if (typeof choice === "string") fields.tool_choice = choice;
  else if (choice && "name" in choice && typeof choice.name === "string") fields.tool_choice = { type: "function", function: { name: choice.name } };
  if (body.parallel_tool_calls != null) fields.parallel_tool_calls = body.parallel_tool_calls;
  return fields;
}

type TextFormat = NonNullable<NonNullable<ResponseRequestBody["text"]>["format"]>;

function responseFormat(format: TextFormat): NonNullable<CompletionRequestBody["response_format"]> {
  if (format.type !== "json_schema") return { type: format.type };
  const { type: _type, ...schema } = format;
  return { type: "json_schema", json_schema: schema };
}

const knownFields = new Set([
  "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "text", "max_output_tokens", "temperature",
  "top_p", "user", "metadata", "store", "previous_response_id", "stream", "stream_options", "archive",
]);

/** The chat service's message type, which carries tool calls and content parts as they are. */
function toClientMessages(messages: readonly ChatMessage[]): ClientMessage[] {
  return messages.map((message) => ({ ...message, role: message.role }));
}
