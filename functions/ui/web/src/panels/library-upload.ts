import { messageOf, type Api } from "../api.js";
import type { JobStatus } from "../../../../library/schema.js";
import { h } from "../dom.js";

const stageNames: Record<string, string> = {
  queued: "Queued",
  extracting: "Extracting text",
  embedding: "Embedding",
  indexing: "Indexing",
  completed: "Done",
  failed: "Failed",
  superseded: "Replaced by a newer upload",
};

/**
 * One document's way in: the upload's bytes (XMLHttpRequest: fetch cannot report upload progress),
 * then the ingestion job's stages from `/library/jobs/:id` until done or failed.
 */
export function uploadDocument(api: Api, file: File, onDone: () => void): HTMLElement {
  const bar = h("progress", { max: 100, value: 0 });
  const label = h("span", { class: "stage" }, "Uploading 0%");
  const item = h("li", { class: "upload", "data-filename": file.name }, h("strong", {}, file.name), " ", label, bar);
  bar.setAttribute("aria-label", `Progress of ${file.name}`);

  const finish = (text: string, failed = false) => {
    label.textContent = text;
    bar.value = failed ? 0 : 100;
    item.classList.add(failed ? "failed" : "done");
    item.setAttribute("data-state", failed ? "failed" : "done");
    onDone();
  };

  const form = new FormData();
  form.append("file", file, file.name);
  const request = new XMLHttpRequest();
  request.open("POST", "/library/documents");
  for (const [name, value] of Object.entries(api.authHeaders())) request.setRequestHeader(name, value);
  request.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) return;
    const percent = Math.round((event.loaded / event.total) * 100);
    bar.value = percent / 2; // the upload is the first half of the bar, ingestion the second
    label.textContent = `Uploading ${percent}%`;
  });
  request.addEventListener("error", () => finish("Upload failed: the connection was lost", true));
  request.addEventListener("load", () => {
    let body: { job_id?: string | null; status?: string; detail?: string } = {};
    try {
      body = JSON.parse(request.responseText) as typeof body;
    } catch {
      // handled below by the status
    }
    if (request.status >= 400) return finish(`Refused: ${body.detail ?? request.statusText}`, true);
    if (!body.job_id) return finish("Done (already in the library)");
    void follow(body.job_id);
  });
  request.send(form);

  async function follow(jobId: string) {
    for (;;) {
      let status: JobStatus;
      try {
        status = await api.json<JobStatus>(`/library/jobs/${jobId}`);
      } catch (error) {
        return finish(`Lost track of the job: ${messageOf(error)}`, true);
      }
      const { stage, pages, chunks_done, chunks_total } = status.progress;
      if (status.state === "completed") {
        return finish(`Done: ${pages ? `${pages} pages, ` : ""}${chunks_total} chunks`);
      }
      if (status.state === "failed") return finish(`Failed: ${status.error?.message ?? "ingestion failed"}`, true);
      const fraction = chunks_total > 0 ? chunks_done / chunks_total : 0;
      bar.value = 50 + Math.round(fraction * 50);
      label.textContent = `${stageNames[stage] ?? stage}${chunks_total > 0 ? ` ${chunks_done}/${chunks_total} chunks` : ""}${pages ? ` · ${pages} pages` : ""}`;
      item.setAttribute("data-state", stage);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
  }

  return item;
}
