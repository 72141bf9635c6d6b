import { Hono } from "hono";
import type { AppContext, AppEnv } from "../app-env.js";
import { readJson, readQuery } from "../http.js";
import { notFound } from "../../shared/errors.js";
import { documentIdPattern, listQuerySchema, searchRequestSchema } from "./schema.js";
import type { LibraryService } from "./service.js";
import { readUpload } from "./upload.js";

/** HTTP only: parse, call the service with the request's tenant and Redis, shape the answer. */
export function createLibraryRoutes(options: { service: LibraryService; maxUploadBytes: number }): Hono<AppEnv> {
  const { service } = options;
  const routes = new Hono<AppEnv>();
  const scope = async (c: AppContext) => ({ tenant: c.get("tenant"), redis: await c.get("redis")() });

  routes.post("/library/documents", async (c) => {
    const upload = await readUpload(c, options.maxUploadBytes);
    const { tenant, redis } = await scope(c);
    const result = await service.submit(redis, tenant, { origin: "upload", filename: upload.filename }, upload.bytes);
    if (result.status === "ready") {
      // Identical content is stored once: the existing document answers, no job runs.
      return c.json({ document_id: result.documentId, job_id: null, status: "ready", document: result.document }, 200);
    }
    const statusUrl = `/library/jobs/${result.jobId}`;
    return c.json({ document_id: result.documentId, job_id: result.jobId, status_url: statusUrl, status: "queued" }, 202, { Location: statusUrl });
  });

  routes.get("/library/documents", async (c) => {
    const page = readQuery(c, listQuerySchema);
    const { tenant, redis } = await scope(c);
    const { documents, total } = await service.listDocuments(redis, tenant, page);
    return c.json({ documents, total, limit: page.limit, offset: page.offset });
  });

  routes.get("/library/documents/:id", async (c) => {
    const id = documentId(c);
    const { tenant, redis } = await scope(c);
    return c.json(await service.getDocument(redis, tenant, id));
  });

  routes.delete("/library/documents/:id", async (c) => {
    const id = documentId(c);
    const { tenant, redis } = await scope(c);
    return c.json(await service.deleteDocument(redis, tenant, id));
  });

  routes.get("/library/jobs/:id", async (c) => {
    const { tenant, redis } = await scope(c);
    return c.json(await service.jobStatus(redis, tenant, c.req.param("id")));
  });

  routes.get("/library/stats", async (c) => {
    const { tenant, redis } = await scope(c);
    return c.json(await service.stats(redis, tenant));
  });

  routes.post("/library/search", async (c) => {
    const body = await readJson(c, searchRequestSchema);
    const { tenant, redis } = await scope(c);
    const options = { query: body.query, topK: body.top_k, fileType: body.file_type, documentId: body.document_id, signal: c.req.raw.signal };
    return c.json(await service.search(redis, tenant, options));
  });

  return routes;
}

/** A malformed id cannot name any document, so it is the same 404 as an unknown one. */
function documentId(c: AppContext): string {
  const id = c.req.param("id") ?? "";
  if (!documentIdPattern.test(id)) throw notFound(`No document ${id} in your library`, "document_not_found");
  return id;
}
