/** The library's BullMQ queue: documents waiting to be extracted, chunked and embedded. */
export const libraryIngestQueue = "library-ingest";
