import type { MetricsSource } from "../health/index.js";

/**
 * Library figures for `/metrics`: deployment-wide ingestion counters kept in Redis by the jobs
 * (whichever process ran them) and this process's search count. Aggregates only, no tenant data.
 */
export function createLibraryMetricsSource(options: { metricsKey: string; searchesServed: () => number }): MetricsSource {
  return {
    key: "library",
    async collect(redis) {
      const counters = await (await redis()).hgetall(options.metricsKey);
      const figure = (name: string) => Number(counters[name] ?? 0);
      const json = {
        documents_ingested: figure("documents_ingested"),
        chunks_indexed: figure("chunks_indexed"),
        ingest_failures: figure("ingest_failures"),
        searches_served: options.searchesServed(),
      };
      const counter = (name: string, help: string, value: number) => ({ name, help, type: "counter" as const, samples: [{ value }] });
      return {
        json,
        gauges: [
          counter("archive_library_documents_ingested_total", "Documents ingested into the library (all workers).", json.documents_ingested),
          counter("archive_library_chunks_indexed_total", "Chunks embedded and indexed (all workers).", json.chunks_indexed),
          counter("archive_library_ingest_failures_total", "Ingestion jobs that failed for good (all workers).", json.ingest_failures),
          counter("archive_library_searches_total", "Library searches served by this process (API and chat).", json.searches_served),
        ],
      };
    },
  };
}
