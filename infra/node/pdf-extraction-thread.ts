/**
 * The module run by the PDF extraction thread (see pdf-extraction.ts): the portable extractor,
 * on a thread whose event loop serves nobody else, so a hostile page can only stall this thread.
 */
import { parentPort } from "node:worker_threads";
import { extractPdfPages } from "../../functions/library/extract.js";
import type { PdfBudget } from "../../functions/library/pdf-budget.js";
import { isAppError } from "../../shared/errors.js";
import type { ExtractionReply } from "./pdf-extraction.js";

interface ExtractionRequest {
  id: number;
  filename: string;
  bytes: Uint8Array;
  budget: PdfBudget | undefined;
}

const port = parentPort;
if (!port) throw new Error("pdf-extraction-thread.ts runs only as a worker thread");

// Loading pdf.js takes a while on a busy machine; the parent starts a document's clock only after this.
port.postMessage({ ready: true } satisfies ExtractionReply);

port.on("message", (request: ExtractionRequest) => {
  extractPdfPages(request.filename, request.bytes, request.budget).then(
    (pages) => port.postMessage({ id: request.id, pages } satisfies ExtractionReply),
    (error: unknown) => {
      // AppErrors cross as their fields (the file's fault, shown to the user); anything else as name and message.
      const reply: ExtractionReply = isAppError(error)
        ? { id: request.id, appError: { code: error.code, status: error.status, title: error.title, detail: error.message } }
        : { id: request.id, error: { name: error instanceof Error ? error.name : "Error", message: error instanceof Error ? error.message : String(error) } };
      port.postMessage(reply);
    },
  );
});
