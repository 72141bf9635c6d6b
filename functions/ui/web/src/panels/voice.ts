import { messageOf } from "../api.js";
import { field, h, replaceChildren } from "../dom.js";
import { startRecording, type Recording } from "../wav-recorder.js";
import type { Panel, PanelContext } from "./panel.js";
import { panelSection } from "./parts.js";

export const voicePanel: Panel = { id: "voice", title: "Voice", requires: "voice", create: createVoice };

interface VoiceChatAnswer {
  transcript: string;
  reply: string;
  audio: { content_type: string; data: string };
}

/**
 * Speak to Archive: record (or pick an audio file), then ask (`/voice/chat`: transcript, reply,
 * the spoken reply played back) or only transcribe (`/voice/transcribe`); and read any text aloud
 * (`/voice/synthesize`). Audio plays from `blob:` URLs, which the CSP allows for media only.
 */
function createVoice({ api, announce }: PanelContext) {
  let audio: Blob | null = null;
  let recording: Recording | null = null;
  const record = h("button", { type: "button", "aria-pressed": "false" }, "Record");
  const file = h("input", { type: "file", accept: "audio/*", name: "audio-file" });
  const ask = h("button", { type: "button", disabled: true }, "Ask by voice");
  const transcribe = h("button", { type: "button", class: "quiet", disabled: true }, "Transcribe");
  const result = h("div", { class: "voice-result", "aria-live": "polite" });
  const player = h("audio", { controls: true, hidden: true });
  const readText = h("textarea", { name: "read-aloud", rows: 2 });
  const readForm = h("form", { class: "inline-form" }, field("Text to read aloud", readText), h("button", { type: "submit" }, "Read aloud"));

  const haveAudio = (blob: Blob, source: string) => {
    audio = blob;
    ask.disabled = transcribe.disabled = false;
    announce(`${source} ready to send.`);
  };
  const play = (blob: Blob) => {
    if (player.src) URL.revokeObjectURL(player.src);
    player.src = URL.createObjectURL(blob);
    player.hidden = false;
    void player.play().catch(() => undefined); // autoplay may be refused; the controls stay
  };

  record.addEventListener("click", () => {
    if (recording) {
      const finishing = recording;
      recording = null;
      record.textContent = "Record";
      record.setAttribute("aria-pressed", "false");
      void finishing.stop().then((blob) => haveAudio(blob, "Recording"));
      return;
    }
    startRecording()
      .then((started) => {
        recording = started;
        record.textContent = "Stop recording";
        record.setAttribute("aria-pressed", "true");
        announce("Recording…");
      })
      .catch((error: unknown) => announce(`No microphone: ${messageOf(error)}`));
  });
  file.addEventListener("change", () => {
    const chosen = file.files?.[0];
    if (chosen) haveAudio(chosen, chosen.name);
  });

  const form = () => {
    const body = new FormData();
    body.append("audio", audio!, "speech.wav");
    return body;
  };
  ask.addEventListener("click", () => {
    replaceChildren(result, h("p", { class: "hint" }, "Listening…"));
    void api
      .fetch("/voice/chat", { method: "POST", body: form() })
      .then((response) => response.json() as Promise<VoiceChatAnswer>)
      .then((answer) => {
        replaceChildren(result, h("p", {}, h("strong", {}, "You said: "), h("span", { class: "transcript" }, answer.transcript)), h("p", {}, h("strong", {}, "Archive: "), h("span", { class: "reply" }, answer.reply)));
        const bytes = Uint8Array.from(atob(answer.audio.data), (char) => char.charCodeAt(0));
        play(new Blob([bytes], { type: answer.audio.content_type }));
      })
      .catch((error: unknown) => replaceChildren(result, h("p", { class: "error", role: "alert" }, messageOf(error))));
  });
  transcribe.addEventListener("click", () => {
    void api
      .fetch("/voice/transcribe", { method: "POST", body: form() })
      .then((response) => response.json() as Promise<{ text: string }>)
      .then(({ text }) => replaceChildren(result, h("p", {}, h("strong", {}, "Transcript: "), h("span", { class: "transcript" }, text))))
      .catch((error: unknown) => replaceChildren(result, h("p", { class: "error", role: "alert" }, messageOf(error))));
  });
  readForm.addEventListener("submit", (event) => {
    event.preventDefault();
    void api
      .fetch("/voice/synthesize", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: readText.value, format: "wav" }) })
      .then((response) => response.blob())
      .then((blob) => {
        play(blob);
        announce("Playing.");
      })
      .catch((error: unknown) => announce(`Could not read aloud: ${messageOf(error)}`));
  });

  return {
    element: panelSection(
      "voice",
      "Voice",
      h("div", { class: "inline-form" }, record, field("Or an audio file", file), ask, transcribe),
      result,
      player,
      readForm,
    ),
  };
}
