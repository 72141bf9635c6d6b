import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildPdf, decompressionBombPdf } from "../hostile-pdfs.js";
import { checkPdfBudget, createOperatorCounter } from "../../functions/library/pdf-budget.js";

const encoder = new TextEncoder();
const generous = { maxDecompressedBytes: 64 << 20, maxOperatorsPerPage: 1_000_000 };

describe("PDF budget", () => {
  it("counts operators, not operands, strings, names or comments", () => {
    const counter = createOperatorCounter();
    const content = "BT /F1 12 Tf 72 720 Td (not Tj an (operator) \\) Tj) Tj <54 6a> Tj [(a) -20 (b)] TJ % Tj in a comment\n1 0 0 1 0 0 cm ET\n";
    expect(counter.feed(encoder.encode(content))).toBe(8); // BT Tf Td Tj Tj TJ cm ET
  });

  it("counts across chunk boundaries and skips inline image data", () => {
    const counter = createOperatorCounter();
    const content = "q BI /W 2 /H 2 ID \x00Tj\xffre EI Q\n";
    const bytes = Uint8Array.from(content, (char) => char.charCodeAt(0));
    let total = 0;
    for (let index = 0; index < bytes.length; index += 3) total = counter.feed(bytes.subarray(index, index + 3));
    expect(total).toBe(4); // q BI ID Q (EI ends the data)
  });

  it("refuses a page with too many operators, and lets an ordinary one through", async () => {
    const bomb = await decompressionBombPdf(200_000);
    await expect(checkPdfBudget("bomb.pdf", bomb, { ...generous, maxOperatorsPerPage: 100_000 })).rejects.toMatchObject({ status: 422, code: "pdf_over_budget" });
    await expect(checkPdfBudget("bomb.pdf", bomb, generous)).resolves.toBeUndefined();
  });

  it("refuses streams that inflate past the byte budget, layered Flate included", async () => {
    const inner = deflateSync(Buffer.alloc(8 << 20, 0x20));
    const twice = new Uint8Array(deflateSync(inner));
    const pdf = buildPdf([encoder.encode("BT ET")], null);
    const withStream = new Uint8Array([
      ...pdf.subarray(0, 9),
      ...encoder.encode(`9 0 obj\n<< /Length ${twice.length} /Filter [/FlateDecode /FlateDecode] >>\nstream\n`),
      ...twice,
      ...encoder.encode("\nendstream\nendobj\n"),
      ...pdf.subarray(9),
    ]);
    await expect(checkPdfBudget("layers.pdf", withStream, { ...generous, maxDecompressedBytes: 4 << 20 })).rejects.toMatchObject({ code: "pdf_over_budget" });
    await expect(checkPdfBudget("layers.pdf", withStream, generous)).resolves.toBeUndefined();
  });
});
