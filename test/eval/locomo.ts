/**
 * `npm run eval -- locomo [--mode store|capture|both] [--env KEY=VALUE…]`: memory retrieval on the LoCoMo development
 * split (../shared/datasets/locomo-dev, or LOCOMO_DIR), measured from outside over HTTP against
 * `npm start` (the emulator: its own Redis, the emulated engine, the default local embeddings).
 *
 * - store-everything: every turn `POST /memories` as "Speaker: text", with the turn before it as
 *   `answered`;
 * - capture: every turn as the user message of `POST /v1/chat/completions` (the turn before it as the
 *   assistant message it answers), one chat session per LoCoMo session, default settings; then wait
 *   for the capture queue to drain.
 * Each conversation is its own end user (`user`) behind one key. For every question (categories 1–4,
 * category 5 apart): is one of its evidence turns in the top 5 / 10 of `POST /memories/search`? Beside
 * it, plain BM25 (shared/retrieval, the same tokenizer) over the very turns that were sent.
 *
 * Never copy the data into the repo: it is read where it lies.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createBm25Index } from "../../shared/retrieval/index.js";
import { startArchive, type ServerUnderTest } from "../bench/processes.js";

interface Turn {
  diaId: string;
  session: number;
  text: string;
}
interface Question {
  question: string;
  evidence: string[];
  category: number;
}
interface Conversation {
  name: string;
  turns: Turn[];
  questions: Question[];
}

const repoRoot = resolve(new URL("../..", import.meta.url).pathname);

/** LOCOMO_DIR, else `shared/datasets/locomo-dev` in the nearest folder above the repo (works from /work/main and from a worktree). */
function locomoDir(): string {
  if (process.env.LOCOMO_DIR) return resolve(repoRoot, process.env.LOCOMO_DIR);
  for (let folder = dirname(repoRoot); ; folder = dirname(folder)) {
    const candidate = join(folder, "shared/datasets/locomo-dev");
    if (existsSync(candidate)) return candidate;
    if (dirname(folder) === folder) throw new Error("LoCoMo dev split not found: set LOCOMO_DIR (see ../shared/datasets/locomo-dev/README.md)");
  }
}

interface RawTurn {
  speaker: string;
  dia_id: string;
  text: string;
  blip_caption?: string;
}

async function loadConversations(dir: string): Promise<Conversation[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
  return Promise.all(
    files.map(async (file) => {
      const raw = JSON.parse(await readFile(join(dir, file), "utf8")) as Record<string, unknown> & { qa: Question[] };
      const turns: Turn[] = [];
      for (let session = 1; session < 100; session++) {
        const entries = raw[`session_${session}`];
        if (!Array.isArray(entries)) continue;
        for (const entry of entries as RawTurn[]) {
          // A shared image arrives as its description, the way a text-only client would pass it on.
          const image = entry.blip_caption ? ` [image: ${entry.blip_caption}]` : "";
          turns.push({ diaId: entry.dia_id, session, text: `${entry.speaker}: ${entry.text}${image}` });
        }
      }
      return { name: file.replace(/\.json$/, ""), turns, questions: raw.qa.map((qa) => ({ question: qa.question, evidence: qa.evidence, category: qa.category })) };
    }),
  );
}

async function post<T>(server: ServerUnderTest, path: string, body: unknown): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${server.baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (response.status === 429 && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
      continue;
    }
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function pooled<Item>(items: readonly Item[], limit: number, work: (item: Item) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

const previousInSession = (turns: Turn[], index: number) => (index > 0 && turns[index - 1]!.session === turns[index]!.session ? turns[index - 1]!.text : undefined);

async function storeEverything(server: ServerUnderTest, conversation: Conversation, user: string): Promise<void> {
  const indexes = conversation.turns.map((_, index) => index);
  await pooled(indexes, 4, async (index) => {
    const turn = conversation.turns[index]!;
    await post(server, "/memories", { message: turn.text, answered: previousInSession(conversation.turns, index), session_id: `s${turn.session}`, user });
  });
}

async function captureThroughChat(server: ServerUnderTest, conversation: Conversation, user: string): Promise<void> {
  // Sessions in order, turns in order within a session: as a chat client would send them.
  for (const [index, turn] of conversation.turns.entries()) {
    const answered = previousInSession(conversation.turns, index);
    const messages = answered ? [{ role: "assistant", content: answered }, { role: "user", content: turn.text }] : [{ role: "user", content: turn.text }];
    await post(server, "/v1/chat/completions", { messages, max_tokens: 8, user, session_id: `locomo-${conversation.name}-s${turn.session}` });
  }
}

async function waitForCaptureQueue(server: ServerUnderTest): Promise<void> {
  for (;;) {
    const metrics = (await (await fetch(`${server.baseUrl}/metrics`)).json()) as { memory_stats: { capture_queue: { waiting: number; active: number; delayed: number } } };
    const queue = metrics.memory_stats.capture_queue;
    if (queue.waiting + queue.active + queue.delayed === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function storedMessages(server: ServerUnderTest, user: string): Promise<Set<string>> {
  const messages = new Set<string>();
  for (let offset = 0; ; offset += 100) {
    const page = (await (await fetch(`${server.baseUrl}/memories?limit=100&offset=${offset}&user=${encodeURIComponent(user)}`)).json()) as { memories: { message: string }[] };
    for (const memory of page.memories) messages.add(memory.message);
    if (page.memories.length < 100) return messages;
  }
}

interface Tally {
  questions: number;
  at5: number;
  at10: number;
}
type Scores = Record<string, Tally>;

const categories: Record<number, string> = { 1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial" };

function count(scores: Scores, category: number, rankedTurns: readonly (readonly string[])[], evidence: readonly string[]) {
  const wanted = new Set(evidence);
  const found = (k: number) => rankedTurns.slice(0, k).some((ids) => ids.some((id) => wanted.has(id)));
  for (const key of category === 5 ? ["5"] : [String(category), "1-4"]) {
    const tally = (scores[key] ??= { questions: 0, at5: 0, at10: 0 });
    tally.questions += 1;
    if (found(5)) tally.at5 += 1;
    if (found(10)) tally.at10 += 1;
  }
}

interface ModeResult {
  mode: "store" | "capture";
  turns: number;
  stored: number;
  hybrid: Scores;
  bm25: Scores;
  seconds: number;
}

async function runMode(mode: "store" | "capture", conversations: Conversation[], env: Record<string, string>): Promise<ModeResult> {
  const started = Date.now();
  const server = await startArchive(env);
  try {
    const hybrid: Scores = {};
    const bm25: Scores = {};
    let turns = 0;
    let stored = 0;
    await Promise.all(conversations.map((conversation) => (mode === "store" ? storeEverything : captureThroughChat)(server, conversation, userOf(conversation))));
    if (mode === "capture") await waitForCaptureQueue(server);
    for (const conversation of conversations) {
      const user = userOf(conversation);
      const byText = new Map<string, string[]>();
      for (const turn of conversation.turns) byText.set(turn.text, [...(byText.get(turn.text) ?? []), turn.diaId]);
      const kept = await storedMessages(server, user);
      turns += conversation.turns.length;
      stored += conversation.turns.filter((turn) => kept.has(turn.text)).length;

      // The baseline: plain BM25 over exactly the texts that were sent.
      const lexical = createBm25Index();
      for (const turn of conversation.turns) lexical.add(turn.diaId, turn.text);
      for (const question of conversation.questions) {
        const found = await post<{ memories: { message: string }[] }>(server, "/memories/search", { query: question.question, top_k: 10, user });
        count(hybrid, question.category, found.memories.map((memory) => byText.get(memory.message) ?? []), question.evidence);
        count(bm25, question.category, lexical.search(question.question, { topK: 10 }).map((hit) => [hit.id]), question.evidence);
      }
    }
    return { mode, turns, stored, hybrid, bm25, seconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    await server.stop();
  }
}

const userOf = (conversation: Conversation) => `locomo-${conversation.name}`;
const rate = (tally: Tally | undefined, key: "at5" | "at10") => (tally && tally.questions > 0 ? tally[key] / tally.questions : 0);
const fixed = (value: number) => value.toFixed(3);

function table(results: ModeResult[]): string {
  const lines = ["| mode | turns stored | questions | hybrid R@5 | hybrid R@10 | BM25 R@5 | BM25 R@10 | R@10 ÷ BM25 |", "|---|---|---|---|---|---|---|---|"];
  for (const result of results) {
    for (const key of ["1-4", "1", "2", "3", "4", "5"]) {
      const label = key === "1-4" ? "**1–4**" : `${key} ${categories[Number(key)]}`;
      const hybrid = result.hybrid[key];
      const bm25 = result.bm25[key];
      const ratio = rate(bm25, "at10") > 0 ? (rate(hybrid, "at10") / rate(bm25, "at10")).toFixed(2) : "–";
      const storedText = key === "1-4" ? `${result.stored}/${result.turns} (${((100 * result.stored) / result.turns).toFixed(1)} %)` : "";
      lines.push(`| ${key === "1-4" ? result.mode : ""} ${label} | ${storedText} | ${hybrid?.questions ?? 0} | ${fixed(rate(hybrid, "at5"))} | ${fixed(rate(hybrid, "at10"))} | ${fixed(rate(bm25, "at5"))} | ${fixed(rate(bm25, "at10"))} | ${ratio} |`);
    }
  }
  return lines.join("\n");
}

export async function evalLocomo(args: string[]): Promise<void> {
  const modeArg = args[args.indexOf("--mode") + 1];
  const modes: ("store" | "capture")[] = args.includes("--mode") && modeArg !== "both" ? [modeArg === "capture" ? "capture" : "store"] : ["store", "capture"];
  // `--env KEY=VALUE` (repeatable) sets the server's configuration, e.g. to compare fusion weights.
  const env = Object.fromEntries(args.flatMap((arg, index) => (args[index - 1] === "--env" ? [arg.split(/=(.*)/su).slice(0, 2) as [string, string]] : [])));
  const dir = locomoDir();
  const conversations = await loadConversations(dir);
  process.stdout.write(`LoCoMo from ${dir}: ${conversations.map((c) => `${c.name} (${c.turns.length} turns, ${c.questions.length} questions)`).join(", ")}\n`);
  const results: ModeResult[] = [];
  for (const mode of modes) {
    process.stdout.write(`running ${mode}…\n`);
    results.push(await runMode(mode, conversations, env));
  }
  const output = table(results);
  process.stdout.write(`\n${output}\n`);
  const outDir = new URL("results/", import.meta.url);
  await mkdir(outDir, { recursive: true });
  await writeFile(new URL("locomo.json", outDir), `${JSON.stringify({ date: new Date().toISOString(), dataset: dir, env, results, table: output }, null, 2)}\n`);
}
