import type { Transcript } from "./backend.js";
import type { TranscriptFormat } from "./schema.js";

/** A transcript in one of OpenAI's `response_format`s: the body and its content type. */
export function renderTranscript(transcript: Transcript, format: TranscriptFormat): { body: string; contentType: string } {
  switch (format) {
    case "json":
      return { body: JSON.stringify({ text: transcript.text }), contentType: "application/json" };
    case "text":
      return { body: `${transcript.text}\n`, contentType: "text/plain; charset=utf-8" };
    case "verbose_json":
      return { body: JSON.stringify(verboseJson(transcript)), contentType: "application/json" };
    case "srt":
      return { body: cues(transcript, ",").map((cue, index) => `${index + 1}\n${cue}`).join("\n"), contentType: "text/plain; charset=utf-8" };
    case "vtt":
      return { body: `WEBVTT\n\n${cues(transcript, ".").join("\n")}`, contentType: "text/vtt; charset=utf-8" };
  }
}

/** OpenAI's verbose shape; fields a backend cannot know (log-probabilities) are neutral values. */
function verboseJson(transcript: Transcript) {
  return {
    task: "transcribe",
    language: transcript.language,
    duration: round(transcript.durationSeconds),
    text: transcript.text,
    segments: transcript.segments.map((segment, id) => ({
      id,
      seek: 0,
      start: round(segment.start),
      end: round(segment.end),
      text: segment.text,
      tokens: [],
      temperature: 0,
      avg_logprob: 0,
      compression_ratio: 1,
      no_speech_prob: 0,
    })),
  };
}

/** One timed cue per segment; a transcript without segments is one cue over the whole audio. */
function cues(transcript: Transcript, decimal: "," | "."): string[] {
  const segments = transcript.segments.length > 0 ? transcript.segments : [{ start: 0, end: transcript.durationSeconds, text: transcript.text }];
  return segments.map((segment) => `${timestamp(segment.start, decimal)} --> ${timestamp(segment.end, decimal)}\n${segment.text.trim()}\n`);
}

function timestamp(seconds: number, decimal: string): string {
  const millis = Math.max(0, Math.round(seconds * 1000));
  const pad = (value: number, width = 2) => String(value).padStart(width, "0");
  const hours = Math.floor(millis / 3_600_000);
  const minutes = Math.floor((millis % 3_600_000) / 60_000);
  const secs = Math.floor((millis % 60_000) / 1000);
  return `${pad(hours)}:${pad(minutes)}:${pad(secs)}${decimal}${pad(millis % 1000, 3)}`;
}

const round = (value: number) => Math.round(value * 1000) / 1000;
