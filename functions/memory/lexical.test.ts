import { describe, expect, it } from "vitest";
import { createMemoryFollower, decodeEntryData, encodeEntryData, lexicalQuery, sessionOf, stampTime } from "./lexical.js";

const record = { message: "Yes, the red one.", answered: "Would you like the red bicycle or the blue one?", sessionId: "s-1", importance: 0.4 };

describe("memory search data", () => {
  it("round-trips what search needs, and still reads the format written before lexical search", () => {
    const data = encodeEntryData(1234, record);
    expect(decodeEntryData(data)).toEqual({ w: 1234, s: "s-1", i: 0.4, x: "Yes, the red one.\nWould you like the red bicycle or the blue one?" });
    expect([stampTime(data), sessionOf(data)]).toEqual([1234, "s-1"]);
    expect(decodeEntryData("w:99 s:chat-7")).toEqual({ w: 99, s: "chat-7" });
    expect([stampTime("w:99"), sessionOf("w:99")]).toEqual([99, null]);
    expect(decodeEntryData("not ours")).toBeUndefined();
  });

  it("indexes only the end of a long answered message", () => {
    const long = `${"filler words ".repeat(100)}Which colour do you want?`;
    const text = decodeEntryData(encodeEntryData(1, { ...record, answered: long }))!.x!;
    expect(text.endsWith("Which colour do you want?")).toBe(true);
    expect(text.length).toBeLessThan(record.message.length + 520);
  });

  it("drops question words from a question, keeps every word of a statement", () => {
    expect(lexicalQuery("What did Caroline research?").trim()).toBe("caroline research?");
    expect(lexicalQuery("Caroline researched adoption agencies")).toBe("caroline research adoption agency");
    // Nothing but question words: search them rather than nothing.
    expect(lexicalQuery("What is?").trim()).toBe("what is?");
  });

  it("follows the replica: text in, text out, legacy entries without text stay out of BM25", () => {
    const follower = createMemoryFollower();
    follower.upsert("01KDVDNA00BTFENC5STE29JG8V", encodeEntryData(1, record));
    follower.upsert("01KDVDNA00BTFENC5STE29JG8W", "w:5");
    expect(follower.bm25.search(lexicalQuery("red bicycle"), { topK: 5 }).map((hit) => hit.id)).toEqual(["01KDVDNA00BTFENC5STE29JG8V"]);
    expect(follower.meta("01KDVDNA00BTFENC5STE29JG8W")).toMatchObject({ session: null, importance: 0 });
    follower.remove("01KDVDNA00BTFENC5STE29JG8V");
    expect(follower.bm25.size).toBe(0);
  });
});
