/**
 * The Universal Sentence Encoder lite tokenizer (SentencePiece unigram, Viterbi over a vocabulary
 * trie), giving exactly the ids of `@energetic-ai/embeddings`' own `Tokenizer.encode`, quirks
 * included, in O(n × longest piece) instead of O(n²).
 *
 * Why a second implementation: the package's walks the trie with `symbols.slice(i)` at every
 * position, so a 245-token chunk costs ~10 ms of tokenizing on top of ~110 ms of model; the ids
 * must stay identical or stored vectors would drift from the ones a query gets (the test compares
 * both over varied text).
 *
 * Quirks kept on purpose, because they decide the ids:
 * - a position's best score of exactly 0 means "unset", so a later candidate always replaces it;
 * - ties go to the later start (`>=`), candidates for an end position are visited by ascending
 *   start — which is the order a forward pass over start positions produces;
 * - a symbol no piece starts with becomes the unknown id 0 (length 1), and consecutive unknowns
 *   merge into one;
 * - ids 0–5 are reserved and never matched; a duplicated piece keeps its last score and id.
 */
export type Vocabulary = ReadonlyArray<readonly [piece: string, score: number]>;

export interface SentencePieceTokenizer {
  encode(input: string): number[];
}

const separator = "\u2581";
const reservedSymbolCount = 6;
const unknownId = 0;

interface TrieNode {
  children: Map<string, TrieNode>;
  /** -1 when no piece ends here. */
  id: number;
  score: number;
}

const newNode = (): TrieNode => ({ children: new Map(), id: -1, score: 0 });

export function createSentencePieceTokenizer(vocabulary: Vocabulary): SentencePieceTokenizer {
  const root = newNode();
  // Piece lengths in UTF-16 units, as the package's backtrack measures them (no piece is astral,
  // so this equals the length in code points the lattice uses).
  const pieceLengths = vocabulary.map(([piece]) => piece.length);
  for (let id = reservedSymbolCount; id < vocabulary.length; id++) {
    const [piece, score] = vocabulary[id]!;
    let node = root;
    for (const symbol of piece) {
      let child = node.children.get(symbol);
      if (!child) {
        child = newNode();
        node.children.set(symbol, child);
      }
      node = child;
    }
    if (node !== root) {
      node.id = id;
      node.score = score;
    }
  }

  return {
    encode(input) {
      const normalized = input.normalize("NFKC");
      const text = normalized.length > 0 ? separator + normalized.replace(/ /g, separator) : normalized;
      const symbols = Array.from(text);
      const length = symbols.length;
      const best = new Float64Array(length + 1);
      const words = new Int32Array(length + 1);

      const offer = (start: number, end: number, id: number, score: number) => {
        const total = score + best[start]!;
        if (best[end] === 0 || total >= best[end]!) {
          best[end] = total;
          words[end] = id;
        }
      };

      // Starts ascend, so every end sees its candidates in ascending start order, and best[start]
      // is final before any candidate leaves from it.
      for (let start = 0; start < length; start++) {
        let node = root.children.get(symbols[start]!);
        let matched = false;
        for (let end = start + 1; node; end++) {
          if (node.id >= 0) {
            offer(start, end, node.id, node.score);
            matched = true;
          }
          node = end < length ? node.children.get(symbols[end]!) : undefined;
        }
        if (!matched) offer(start, start + 1, unknownId, 0);
      }

      const reversed: number[] = [];
      for (let position = length; position > 0; position -= pieceLengths[words[position]!]!) reversed.push(words[position]!);
      const ids: number[] = [];
      let previousUnknown = false;
      for (const id of reversed) {
        if (!(previousUnknown && id === unknownId)) ids.push(id);
        previousUnknown = id === unknownId;
      }
      return ids.reverse();
    },
  };
}
