/**
 * POST /v1/rerank (also /rerank and /v2/rerank, as vLLM serves them) in vLLM's Jina/Cohere-style
 * wire format. A cross-encoder needs a GPU; here the score is lexical: the share of the query's
 * distinct words found in the document, so the path can be tested end to end with a predictable
 * order.
 */
import { Hono } from "hono";
import { z } from "zod";
import { acceptRequest, type EngineDeps } from "./engine-deps.js";
import { countTokens, tokenize } from "./tokenize.js";

const rerankRequestSchema = z.looseObject({
  model: z.string().nullish(),
  query: z.string(),
  documents: z.array(z.union([z.string(), z.looseObject({ text: z.string() })])),
  top_n: z.number().int().min(0).nullish(),
});

const wordsOf = (text: string) =>
  new Set(tokenize(text).map((token) => token.core.toLowerCase()).filter((word) => /[\p{L}\p{N}]/u.test(word)));

/** Share of the query's distinct words present in the document, in [0, 1]. */
export function lexicalRelevance(query: string, document: string): number {
  const wanted = wordsOf(query);
  if (wanted.size === 0) return 0;
  const present = wordsOf(document);
  let found = 0;
  for (const word of wanted) if (present.has(word)) found += 1;
  return found / wanted.size;
}

export function createRerankRoutes(deps: EngineDeps): Hono {
  const routes = new Hono();
  const handler = async (request: Request) => {
    const accepted = await acceptRequest(deps, undefined, request, rerankRequestSchema);
    if (!accepted.ok) return accepted.response;
    const body = accepted.data;
    const tracker = deps.recorder.begin();
    const texts = body.documents.map((document) => (typeof document === "string" ? document : document.text));
    const results = texts
      .map((text, index) => ({ index, document: { text }, relevance_score: lexicalRelevance(body.query, text) }))
      .sort((left, right) => right.relevance_score - left.relevance_score || left.index - right.index)
      .slice(0, body.top_n ?? texts.length);
    const totalTokens = texts.reduce((sum, text) => sum + countTokens(body.query) + countTokens(text), 0);
    tracker.complete();
    return Response.json({ id: `rerank-${deps.createId()}`, model: deps.model, usage: { total_tokens: totalTokens }, results });
  };
  for (const path of ["/v1/rerank", "/v2/rerank", "/rerank"]) routes.post(path, (c) => handler(c.req.raw));
  return routes;
}
