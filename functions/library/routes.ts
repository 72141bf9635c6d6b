import { Hono } from "hono";
import type { AppContext, AppEnv } from "../app-env.js";
import { readJson, readQuery } from "../http.js";
import { requestScope } from "../request-scope.js";
import { notFound } from "../../shared/errors.js";
import { documentIdPattern, listQuerySchema, searchRequestSchema } from "./schema.js";
import type { LibraryService } from "./service.js";
import { readUpload } from "./upload.js";

/** HTTP only: parse, call the service with the request's scope, shape the answer. */
export function createLibraryRoutes(options: { service: LibraryService; maxUploadBytes: number }): Hono<AppEnv> {
  const { service } = options;
  const routes = new Hono<AppEnv>();

  routes.post("/library/documents", async (c) => {
    const upload = await readUpload(c, options.maxUploadBytes);
    const result = await service.submit(requestScope(c), { origin: "upload", filename: upload.filename }, upload.bytes);
    if (result.status === "ready") {
      // Identical content is stored once: the existing document answers, no job runs.
      return c.json({ document_id: result.documentId, job_id: null, status: "ready", document: result.document }, 200);
    }
    const statusUrl = `/library/jobs/${result.jobId}`;
    return c.json({ document_id: result.documentId, job_id: result.jobId, status_url: statusUrl, status: "queued" }, 202, { Location: statusUrl });
  });

  routes.get("/library/documents", async (c) => {
    const page = readQuery(c, listQuerySchema);
    const { documents, total } = await service.listDocuments(requestScope(c), page);
    return c.json({ documents, total, limit: page.limit, offset: page.offset });
  });

  routes.get("/library/documents/:id", async (c) => {
    const id = documentId(c);
    return c.json(await service.getDocument(requestScope(c), id));
  });

  routes.delete("/library/documents/:id", async (c) => {
    const id = documentId(c);
    return c.json(await service.deleteDocument(requestScope(c), id));
  });

  routes.get("/library/jobs/:id", async (c) => c.json(await service.jobStatus(requestScope(c), c.req.param("id"))));

  routes.get("/library/stats", async (c) => c.json(await service.stats(requestScope(c))));

  routes.post("/library/search", async (c) => {
    const body = await readJson(c, searchRequestSchema);
    const options = { query: body.query, topK: body.top_k, fileType: body.file_type, documentId: body.document_id };
    return c.json(await service.search(requestScope(c), options));
  });

  return routes;
}

/** A malformed id cannot name any document, so it is the same 404 as an unknown one. */
function documentId(c: AppContext): string {
  const id = c.req.param("id") ?? "";
  if (!documentIdPattern.test(id)) throw notFound(`No document ${id} in your library`, "document_not_found");
  return id;
}
