import { messageOf } from "../api.js";
import { field, h, replaceChildren } from "../dom.js";
import type { SandboxResult } from "../../../../sandbox/backend.js";
import type { Panel, PanelContext } from "./panel.js";
import { panelSection } from "./parts.js";

export const runCodePanel: Panel = { id: "run", title: "Run code", requires: "sandbox", create: createRunCode };

/** `POST /sandbox/execute`: Python or JavaScript in the sandbox, its output and exit status. */
function createRunCode({ api, announce }: PanelContext) {
  const language = h("select", { name: "language" }, h("option", { value: "python" }, "Python"), h("option", { value: "javascript" }, "JavaScript"));
  const code = h("textarea", { name: "code", rows: 10, required: true, spellcheck: "false", class: "code-input" }, 'print("hello from the sandbox")');
  const timeout = h("input", { type: "number", name: "timeout", min: 100, max: 30000, step: 100, value: 5000 });
  const run = h("button", { type: "submit" }, "Run");
  const output = h("div", { class: "run-output", "aria-live": "polite" });
  const form = h(
    "form",
    { "aria-label": "Run code" },
    h("div", { class: "composer-options" }, field("Language", language), field("Time limit (ms)", timeout)),
    field("Code", code),
    run,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run.disabled = true;
    replaceChildren(output, h("p", { class: "hint" }, "Running…"));
    void api
      .json<SandboxResult>("/sandbox/execute", { body: { language: language.value, code: code.value, timeout_ms: Number(timeout.value) } })
      .then((result) => {
        replaceChildren(
          output,
          h("p", { class: `run-status ${result.status}` }, `${result.status} · exit code ${result.exit_code ?? "—"} · ${result.duration_ms} ms`),
          h("h3", {}, "Output"),
          h("pre", { class: "stdout", tabindex: 0 }, result.stdout || "(nothing)"),
          result.stderr ? [h("h3", {}, "Errors"), h("pre", { class: "stderr", tabindex: 0 }, result.stderr)] : null,
        );
        announce(`Finished: ${result.status}.`);
      })
      .catch((error: unknown) => {
        replaceChildren(output, h("p", { class: "error", role: "alert" }, messageOf(error)));
      })
      .finally(() => (run.disabled = false));
  });
  return {
    element: panelSection("run-code", "Run code", form, output),
  };
}
