import { constants, createDeflate } from "node:zlib";
import { concatBytes } from "../shared/bytes.js";

/**
 * Hostile PDFs built at test time (no committed binaries): a decompression bomb and a document
 * with a huge page count. Both are valid PDFs that pdf.js opens.
 */
export function buildPdf(pages: readonly Uint8Array[], contentFilter: "FlateDecode" | null): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let length = 0; // of the parts so far: the next object's offset
  const push = (part: string | Uint8Array) => {
    const bytes = typeof part === "string" ? encoder.encode(part) : part;
    parts.push(bytes);
    length += bytes.length;
  };
  const object = (number: number, body: string | Uint8Array[]) => {
    offsets[number] = length;
    push(`${number} 0 obj\n`);
    if (typeof body === "string") push(body);
    else for (const piece of body) push(piece);
    push("\nendobj\n");
  };
  const fontObject = 3;
  const firstPage = 4;
  push("%PDF-1.7\n");
  object(1, "<< /Type /Catalog /Pages 2 0 R >>");
  const kids = pages.map((_, index) => `${firstPage + index * 2} 0 R`).join(" ");
  object(2, `<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`);
  object(fontObject, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  pages.forEach((content, index) => {
    const pageNumber = firstPage + index * 2;
    object(pageNumber, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${fontObject} 0 R >> >> /Contents ${pageNumber + 1} 0 R >>`);
    const filter = contentFilter ? ` /Filter /${contentFilter}` : "";
    object(pageNumber + 1, [encoder.encode(`<< /Length ${content.length}${filter} >>\nstream\n`), content, encoder.encode("\nendstream")]);
  });
  const xref = length;
  const count = firstPage + pages.length * 2;
  let table = `xref\n0 ${count}\n0000000000 65535 f \n`;
  for (let number = 1; number < count; number++) table += `${String(offsets[number]).padStart(10, "0")} 00000 n \n`;
  push(`${table}trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return concatBytes(parts);
}

/** One page whose content inflates to `operators` × `(a) Tj` (the bomb: 48 Mi of them from ~500 KB). */
export async function decompressionBombPdf(operators: number): Promise<Uint8Array> {
  const unit = "(a) Tj\n";
  const block = Buffer.from(unit.repeat(1 << 16));
  const deflate = createDeflate({ level: constants.Z_BEST_COMPRESSION });
  const compressed: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => compressed.push(chunk));
  const done = new Promise((resolve) => deflate.on("end", resolve));
  deflate.write("BT /F1 12 Tf 72 720 Td\n");
  for (let written = 0; written < operators; written += 1 << 16) {
    if (!deflate.write(block)) await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end("ET\n");
  await done;
  return buildPdf([new Uint8Array(Buffer.concat(compressed))], "FlateDecode");
}

/** `pageCount` pages; every `textEvery`-th carries a sentence, the rest are blank (so chunking stays small). */
export function manyPagesPdf(pageCount: number, textEvery = 100): Uint8Array {
  const encoder = new TextEncoder();
  const blank = encoder.encode("");
  return buildPdf(
    Array.from({ length: pageCount }, (_, index) =>
      index % textEvery === 0 ? encoder.encode(`BT /F1 12 Tf 72 720 Td (Page ${index + 1} of the long ledger mentions harbour fees.) Tj ET`) : blank,
    ),
    null,
  );
}
