/**
 * In-process Okapi BM25, the lexical half of hybrid search (library chunks, memories). Callers feed
 * it from the replicated vector store's change hooks (upsert → add, delete → remove, reset → clear),
 * so `add` is idempotent and nothing ever needs a full rebuild.
 *
 * Scores depend only on the set of indexed texts (never on insertion order) and ties break by id, so
 * every process that holds the same chunks returns the same ranking.
 */
import { lexicalTerms, termGroups } from "./terms.js";
import { TopK } from "./top-k.js";

export interface Bm25Options {
  /** Term-frequency saturation. */
  k1?: number;
  /** Length normalization. */
  b?: number;
}

export interface Bm25SearchOptions {
  topK?: number;
  /** Applied before ranking, so topK results all pass it. */
  filter?: (id: string) => boolean;
}

export interface Bm25Hit {
  id: string;
  score: number;
}

export interface Bm25Index {
  /** Indexes `text` under `id`, replacing whatever `id` held before. */
  add(id: string, text: string): void;
  /** Returns whether `id` was indexed. */
  remove(id: string): boolean;
  clear(): void;
  has(id: string): boolean;
  readonly size: number;
  search(query: string, options?: Bm25SearchOptions): Bm25Hit[];
}

interface Postings {
  docs: Int32Array;
  freqs: Int32Array;
  /** Entries used in docs/freqs, including ones whose doc was removed since the last compaction. */
  length: number;
  /** Live documents containing the term: the df of the BM25 formula. */
  live: number;
}

export function createBm25Index(options: Bm25Options = {}): Bm25Index {
  const k1 = options.k1 ?? 1.2;
  const b = options.b ?? 0.75;

  // Documents live in slots. A removed document leaves a tombstone (ids[slot] undefined) that search
  // skips, because deleting from a common term's postings would cost a scan of every posting.
  let termIds = new Map<string, number>();
  let postings: Postings[] = [];
  let ids: (string | undefined)[] = [];
  let lengths: number[] = [];
  let termsOf: (Int32Array | undefined)[] = [];
  const slotOf = new Map<string, number>();
  let totalLength = 0;
  let livePostings = 0;
  let deadPostings = 0;

  // Reused across add() calls: per-term counts indexed by term id, and which ids were touched.
  // A Map per document was a third of indexing time at 100k chunks.
  let counts = new Int32Array(1024);
  const touched: number[] = [];

  function add(id: string, text: string): void {
    remove(id);
    let length = 0;
    for (const term of lexicalTerms(text)) {
      let termId = termIds.get(term);
      if (termId === undefined) {
        termId = postings.length;
        termIds.set(term, termId);
        postings.push({ docs: new Int32Array(4), freqs: new Int32Array(4), length: 0, live: 0 });
      }
      if (termId >= counts.length) {
        const grown = new Int32Array(Math.max(counts.length * 2, termId + 1));
        grown.set(counts);
        counts = grown;
      }
      if (counts[termId] === 0) touched.push(termId);
      counts[termId]! += 1;
      length += 1;
    }
    const slot = ids.length;
    ids.push(id);
    lengths.push(length);
    termsOf.push(Int32Array.from(touched));
    slotOf.set(id, slot);
    totalLength += length;
    for (const termId of touched) {
      const list = postings[termId]!;
      append(list, slot, counts[termId]!);
      list.live += 1;
      counts[termId] = 0;
    }
    livePostings += touched.length;
    touched.length = 0;
  }

  function remove(id: string): boolean {
    const slot = slotOf.get(id);
    if (slot === undefined) return false;
    const terms = termsOf[slot]!;
    for (const termId of terms) postings[termId]!.live -= 1;
    slotOf.delete(id);
    ids[slot] = undefined;
    termsOf[slot] = undefined;
    totalLength -= lengths[slot]!;
    livePostings -= terms.length;
    deadPostings += terms.length;
    // Amortized: compaction costs one pass over all postings, paid once dead entries outnumber live.
    if (deadPostings > 50_000 && deadPostings > livePostings) compact();
    return true;
  }

  function clear(): void {
    termIds = new Map();
    postings = [];
    ids = [];
    lengths = [];
    termsOf = [];
    slotOf.clear();
    totalLength = livePostings = deadPostings = 0;
  }

  /** Renumbers live documents densely and drops tombstones and terms no live document uses. */
  function compact(): void {
    const newSlot = new Int32Array(ids.length).fill(-1);
    const live = ids.flatMap((id, slot) => (id === undefined ? [] : [slot]));
    live.forEach((slot, index) => (newSlot[slot] = index));
    const newTermId = new Int32Array(postings.length).fill(-1);
    const newTermIds = new Map<string, number>();
    const newPostings: Postings[] = [];
    for (const [term, termId] of termIds) {
      const old = postings[termId]!;
      if (old.live === 0) continue;
      const kept: Postings = { docs: new Int32Array(old.live), freqs: new Int32Array(old.live), length: 0, live: old.live };
      for (let entry = 0; entry < old.length; entry += 1) {
        const slot = newSlot[old.docs[entry]!]!;
        if (slot >= 0) append(kept, slot, old.freqs[entry]!);
      }
      newTermId[termId] = newPostings.length;
      newTermIds.set(term, newPostings.length);
      newPostings.push(kept);
    }
    termIds = newTermIds;
    postings = newPostings;
    termsOf = live.map((slot) => termsOf[slot]!.map((termId) => newTermId[termId]!));
    lengths = live.map((slot) => lengths[slot]!);
    ids = live.map((slot) => ids[slot]);
    ids.forEach((id, slot) => slotOf.set(id!, slot));
    deadPostings = 0;
  }

  function search(query: string, searchOptions: Bm25SearchOptions = {}): Bm25Hit[] {
    const topK = searchOptions.topK ?? 10;
    const documentCount = slotOf.size;
    if (documentCount === 0 || topK <= 0) return [];
    const averageLength = totalLength / documentCount;
    const scores = new Float64Array(ids.length);
    const touched: number[] = [];
    for (const term of queryTerms(query)) {
      const termId = termIds.get(term);
      const list = termId === undefined ? undefined : postings[termId];
      if (!list || list.live === 0) continue;
      // The "+1" (Lucene) form keeps idf positive even for terms in more than half the documents.
      const idf = Math.log(1 + (documentCount - list.live + 0.5) / (list.live + 0.5));
      for (let entry = 0; entry < list.length; entry += 1) {
        const slot = list.docs[entry]!;
        if (ids[slot] === undefined) continue;
        const frequency = list.freqs[entry]!;
        const norm = k1 * (1 - b + (b * lengths[slot]!) / averageLength);
        const previous = scores[slot]!;
        if (previous === 0) touched.push(slot);
        scores[slot] = previous + (idf * frequency * (k1 + 1)) / (frequency + norm);
      }
    }
    const filter = searchOptions.filter;
    const best = new TopK(topK);
    for (const slot of touched) {
      const id = ids[slot]!;
      if (!filter || filter(id)) best.offer({ id, score: scores[slot]! });
    }
    return best.sorted();
  }

  /**
   * A query id that exists whole in the index is searched whole, without its parts: otherwise a
   * chunk repeating "ZX" and "4471" could outscore the one chunk that holds "ZX-4471-QB". Ids that
   * were never indexed whole (written "INV 2024 001" in the text) still match through their parts.
   * Each distinct term counts once; repeating a word in a query should not double its weight.
   */
  function queryTerms(query: string): Set<string> {
    const terms = new Set<string>();
    for (const group of termGroups(query)) {
      const wholeId = group.whole === undefined ? undefined : termIds.get(group.whole);
      if (group.whole !== undefined && wholeId !== undefined && postings[wholeId]!.live > 0) terms.add(group.whole);
      else for (const part of group.parts) terms.add(part);
    }
    return terms;
  }

  return {
    add,
    remove,
    clear,
    has: (id) => slotOf.has(id),
    get size() {
      return slotOf.size;
    },
    search,
  };
}

function append(list: Postings, slot: number, frequency: number): void {
  if (list.length === list.docs.length) {
    const docs = new Int32Array(list.docs.length * 2);
    const freqs = new Int32Array(list.docs.length * 2);
    docs.set(list.docs);
    freqs.set(list.freqs);
    list.docs = docs;
    list.freqs = freqs;
  }
  list.docs[list.length] = slot;
  list.freqs[list.length] = frequency;
  list.length += 1;
}
