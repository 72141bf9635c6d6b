/** One runtime under test: in-process, the emulator over HTTP, or workerd. */
export interface ContractTarget {
  name: string;
  /** A key that ARCHIVE_API_KEYS maps to `alice`, and one for `bob`. */
  keys: { alice: string; bob: string };
  /** Real HTTP base URL when the runtime has one (for the openai SDK); undefined in-process. */
  baseUrl: string | undefined;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Whether memory archival has a cold store here (Node: files; Workers: none → 501). */
  coldStore: boolean;
  /** The model `/v1/embeddings` serves: the local model on Node by default, the engine's on Workers. */
  embeddingModel: string;
}

export const contractKeys = { alice: "alice-key-0123456789", bob: "bob-key-0123456789" };
export const contractApiKeys = `${contractKeys.alice}:alice,${contractKeys.bob}:bob`;

export const withKey = (key: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${key}` },
});

export const jsonBody = (key: string, body: unknown): RequestInit =>
  withKey(key, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
