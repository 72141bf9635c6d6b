import { describe, expect, it } from "vitest";
import { parseRecognition } from "./voice-local.js";

describe("pocketsphinx output", () => {
  it("turns utterances with word times into segments, leaving out its markers", () => {
    const output = ["good morning", "<s> 0.110 0.200 1.000", "good 0.210 0.500 0.9", "morning(2) 0.510 1.000 0.8", "</s> 1.000 1.100 1.0", "see you", "<sil> 2.000 2.300 1.0", "see 2.300 2.500 0.9", "you 2.500 2.900 0.9", ""].join("\n");
    expect(parseRecognition(output)).toEqual([
      { start: 0.21, end: 1, text: "good morning" },
      { start: 2.3, end: 2.9, text: "see you" },
    ]);
  });
});
