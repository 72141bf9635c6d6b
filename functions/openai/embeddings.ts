import { Hono } from "hono";
import { z } from "zod";
import type { EmbeddingResponse } from "../../gpu/openai-types.js";
import type { OpenAIConfig } from "./config.js";
import type { EmbeddedTexts, Embedder } from "../../shared/embeddings/index.js";
import type { AppEnv } from "../app-env.js";
import { readJson } from "../http.js";
import { modelNotFound, outOfBounds, unsupportedField } from "./errors.js";

/** An embedder that can say how many tokens it read (both shipped ones can). */
export type UsageEmbedder = Pick<Embedder, "dimension"> & { embedWithUsage(texts: string[], signal?: AbortSignal): Promise<EmbeddedTexts> };

export interface EmbeddingRoutesOptions {
  embedder: UsageEmbedder;
  /** The name clients ask for and see in answers: EMBEDDINGS_MODEL, or the local model's id. */
  model: string;
  limits: OpenAIConfig["embeddingsApi"];
}

const tokenArray = z.array(z.number());
const requestSchema = z.looseObject({
  model: z.string({ error: "name the embedding model (see GET /v1/models/<id>)" }).min(1).max(256),
  // Token ids (one array, or one per text) parse, so that they get a 400 that says why.
  input: z.union([z.string(), z.array(z.union([z.string(), z.number(), tokenArray]))], { error: "input must be a string or an array of strings" }),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.number().int().min(1).nullish(),
  user: z.string().max(256).nullish(),
});
const knownFields = new Set(["model", "input", "encoding_format", "dimensions", "user"]);

/**
 * `POST /v1/embeddings` with the deployment's one embedder — the same vectors memory and the
 * library store, so a client can search alongside them. Texts only: token-id input is refused
 * (the local model has its own vocabulary, not the client's tokenizer's).
 */
export function createEmbeddingRoutes(options: EmbeddingRoutesOptions): Hono<AppEnv> {
  const { embedder, limits } = options;
  const routes = new Hono<AppEnv>();

  routes.post("/v1/embeddings", async (c) => {
    const body = await readJson(c, requestSchema);
    for (const field of Object.keys(body)) {
      if (!knownFields.has(field)) throw unsupportedField(field, "not a parameter of /v1/embeddings");
    }
    if (body.model !== options.model) throw modelNotFound(body.model, [options.model]);
    const texts = textsOf(body.input, limits);
    const wanted = body.dimensions ?? undefined;
    const refuseDimensions = (actual: number) =>
      unsupportedField("dimensions", `the model \`${options.model}\` makes ${actual}-d vectors and cannot shorten them; omit dimensions or send ${actual}`);
    if (wanted !== undefined && embedder.dimension !== 0 && wanted !== embedder.dimension) throw refuseDimensions(embedder.dimension);

    const { vectors, tokens } = await embedder.embedWithUsage(texts, c.req.raw.signal);
    // A pool embedder learns its dimension from its first answer.
    const actual = vectors[0]?.length ?? embedder.dimension;
    if (wanted !== undefined && wanted !== actual) throw refuseDimensions(actual);
    const base64 = body.encoding_format === "base64";
    const answer: Omit<EmbeddingResponse, "data"> & { data: { object: "embedding"; index: number; embedding: number[] | string }[] } = {
      object: "list",
      data: vectors.map((vector, index) => ({ object: "embedding", index, embedding: base64 ? float32Base64(vector) : Array.from(vector) })),
      model: options.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
    return c.json(answer);
  });

  return routes;
}

function textsOf(input: string | (string | number | number[])[], limits: OpenAIConfig["embeddingsApi"]): string[] {
  if (typeof input !== "string" && input.some((item) => typeof item === "number")) {
    throw unsupportedField("input", "token-id input is not supported; send the text itself");
  }
  const texts = typeof input === "string" ? [input] : input;
  const path = (index: number) => (typeof input === "string" ? "input" : `input[${index}]`);
  if (texts.length === 0) throw outOfBounds("input", "send at least one text", "empty_input");
  if (texts.length > limits.maxInputs) throw outOfBounds("input", `at most ${limits.maxInputs} texts per request (EMBEDDINGS_MAX_INPUTS); got ${texts.length}`);
  return texts.map((text, index) => {
    if (typeof text !== "string") throw unsupportedField(path(index), "token-id input is not supported; send the text itself");
    if (text.trim() === "") throw outOfBounds(path(index), "is empty; there is nothing to embed", "empty_text");
    if (text.length > limits.maxInputChars) {
      throw outOfBounds(path(index), `at most ${limits.maxInputChars} characters per text (EMBEDDINGS_MAX_INPUT_CHARS); got ${text.length}`);
    }
    return text;
  });
}

/** OpenAI's base64 encoding: the vector's float32 values, little-endian, as base64. */
export function float32Base64(vector: Float32Array): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < vector.length; index++) view.setFloat32(index * 4, vector[index] ?? 0, true);
  let binary = "";
  // In slices: String.fromCharCode takes its bytes as arguments, and arguments are limited.
  for (let start = 0; start < bytes.length; start += 0x8000) binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  return btoa(binary);
}
