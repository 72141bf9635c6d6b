import { defineConfigSlice, type SectionOf, integer } from "../../shared/config.js";

/** The OpenAI-compatible routes' own bounds (chat's are in functions/chat/config.ts). */
export const openaiConfig = defineConfigSlice(
  {
    EMBEDDINGS_MAX_INPUTS: { schema: integer(1, 100000).default(2048), doc: "Most texts in one `POST /v1/embeddings` request (OpenAI's limit is 2048)." },
    EMBEDDINGS_MAX_INPUT_CHARS: { schema: integer(1, 10000000).default(32768), doc: "Most characters in one text of `POST /v1/embeddings` (~8k tokens, OpenAI's per-input limit)." },
    RESPONSES_STORE_DAYS: { schema: integer(1, 3650).default(30), doc: "How long a stored `/v1/responses` answer (`store`, the default) can be continued with `previous_response_id`." },
  },
  (raw) => ({
    embeddingsApi: { maxInputs: raw.EMBEDDINGS_MAX_INPUTS, maxInputChars: raw.EMBEDDINGS_MAX_INPUT_CHARS },
    responses: { storeDays: raw.RESPONSES_STORE_DAYS },
  }),
);

export type OpenAIConfig = SectionOf<typeof openaiConfig>;
