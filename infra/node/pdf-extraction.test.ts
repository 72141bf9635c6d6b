import { describe, expect, it } from "vitest";
import { decompressionBombPdf, manyPagesPdf } from "../../test/hostile-pdfs.js";
import { createPdfExtraction } from "./pdf-extraction.js";

const budget = { maxDecompressedBytes: 128 << 20, maxOperatorsPerPage: 2_000_000 };

describe("PDF extraction thread", () => {
  it("reads pages off the event loop, passes the file's faults through as 422s, and stops a document past its time budget", async () => {
    const extraction = createPdfExtraction({ timeoutMs: 30_000 });
    try {
      const pages = await extraction.extract("short.pdf", manyPagesPdf(30, 10), budget);
      expect(pages).toHaveLength(30);
      expect(pages[10]).toEqual({ page: 11, text: "Page 11 of the long ledger mentions harbour fees." });

      await expect(extraction.extract("bomb.pdf", await decompressionBombPdf(4 << 20), budget)).rejects.toMatchObject({ status: 422, code: "pdf_over_budget" });
      await expect(extraction.extract("junk.pdf", new TextEncoder().encode("%PDF-1.7 nothing else"), budget)).rejects.toMatchObject({ status: 422, code: "corrupt_pdf" });
    } finally {
      await extraction.close();
    }

    const impatient = createPdfExtraction({ timeoutMs: 1500 });
    try {
      await expect(impatient.extract("long.pdf", manyPagesPdf(10_000), budget)).rejects.toMatchObject({ status: 422, code: "extract_timeout" });
      // The stopped thread is replaced: the next document is read normally.
      expect(await impatient.extract("after.pdf", manyPagesPdf(3, 1), budget)).toHaveLength(3);
    } finally {
      await impatient.close();
    }
  }, 60_000);
});
