/**
 * Reading an upload and the checks cheap enough to answer synchronously, so that most bad input
 * gets its problem+json at once instead of a failed job later. Everything here runs again inside
 * the job (extract.ts), which is the authority; these only fail earlier.
 */
import { AppError, badRequest, payloadTooLarge } from "../../shared/errors.js";
import type { AppContext } from "../app-env.js";
import { decodeText, fileTypeFromName, normalizeText, unsupportedType, type LibraryFileType } from "./extract.js";

export interface Upload {
  filename: string;
  bytes: Uint8Array;
}

/** Multipart (`file` field) or a raw body named by `?filename=`. */
export async function readUpload(c: AppContext, maxBytes: number): Promise<Upload> {
  const contentType = c.req.header("content-type") ?? "";
  if (/^multipart\/form-data/i.test(contentType)) {
    let form: FormData;
    try {
      form = await c.req.raw.formData();
    } catch (error) {
      throw new AppError({ code: "invalid_multipart", status: 400, title: "Bad Request", detail: "The multipart body could not be parsed", cause: error });
    }
    const file = form.get("file");
    if (!(file instanceof File)) throw badRequest("Send the document as a multipart file field named `file`", "missing_file");
    if (file.size > maxBytes) throw payloadTooLarge(maxBytes);
    return { filename: c.req.query("filename") ?? file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
  }
  const filename = c.req.query("filename");
  if (!filename) {
    throw badRequest("Name the document with ?filename=<name>, or send multipart/form-data with a `file` field", "missing_filename");
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length > maxBytes) throw payloadTooLarge(maxBytes);
  return { filename, bytes };
}

const pdfMagic = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"
export const isPdfBytes = (bytes: Uint8Array) => pdfMagic.every((byte, index) => bytes[index] === byte);

/**
 * Type (415), size (413), emptiness and obviously-not-a-PDF (422), and for text its decoding: a
 * binary file is 415, whitespace only 422. Expects a name already checked by safeFilename.
 */
export function precheckDocument(filename: string, bytes: Uint8Array, maxBytes: number): LibraryFileType {
  const fileType = fileTypeFromName(filename);
  if (!fileType) {
    throw unsupportedType(filename);
  }
  if (bytes.length > maxBytes) throw payloadTooLarge(maxBytes);
  const unprocessable = (code: string, title: string, detail: string) => new AppError({ code, status: 422, title, detail });
  if (bytes.length === 0) throw unprocessable("empty_document", "Empty Document", `"${filename}" is empty`);
  if (isPdfBytes(bytes)) return "pdf";
  if (fileType === "pdf") throw unprocessable("corrupt_pdf", "Corrupt PDF", `"${filename}" is damaged or not a PDF`);
  if (normalizeText(decodeText(filename, bytes)) === "") {
    throw unprocessable("empty_document", "Empty Document", `"${filename}" contains only whitespace`);
  }
  return fileType;
}
