/**
 * The library's drop folder (Node only): files copied in are ingested, changed files re-ingested,
 * renamed files moved to their new path (same content, so no re-embedding), deleted files removed.
 *
 * Events only say "look again": every change runs one reconcile that scans the folder and compares
 * it with what was submitted. That makes renames, editors' save-by-rename, and events lost by
 * fs.watch (or a platform without recursive watching) all the same case, and a periodic rescan the
 * complete fallback. Additions run before removals, so a rename attaches the new path to the
 * existing document before the old path lets go of it.
 *
 * Nothing outside the folder is ever read: paths are resolved with realpath, symlinks pointing
 * outside are skipped, and a file is re-resolved right before it is opened.
 */
import { constants, watch, type Dirent, type FSWatcher } from "node:fs";
import { open, readdir, realpath, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { fileTypeFromName } from "../../functions/library/index.js";
import { isAppError } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";

export interface DropFolderOptions {
  dir: string;
  /** Owner of the dropped documents (for logs; the sink is already bound to it). */
  tenant: string;
  ingest(relativePath: string, bytes: Uint8Array): Promise<void>;
  remove(relativePath: string): Promise<void>;
  /** Paths the library already holds from this folder: those missing at startup are removed. */
  known?(): Promise<string[]>;
  logger: Logger;
  /** Files larger than this are skipped with a warning (LIBRARY_MAX_UPLOAD_BYTES). */
  maxBytes?: number;
  /** Quiet time after the last event before the folder is looked at. */
  debounceMs?: number;
  /** A file modified more recently than this may still be being written: it waits a little. */
  settleMs?: number;
  /** Full rescan interval, the fallback for lost events. */
  rescanIntervalMs?: number;
}

export interface DropFolderWatcher {
  /** Resolves after the initial scan has been submitted. */
  readonly ready: Promise<void>;
  /** Looks at the folder now; resolves when that look is done. */
  rescan(): Promise<void>;
  close(): Promise<void>;
}

/** Editors' swap files, partial downloads, hidden files and folders: never documents. */
const ignoredName = /^(\.|~\$)|~$|\.(tmp|temp|part|partial|crdownload|download|swp|swx)$/i;
const maxDepth = 32;

interface ScannedFile {
  /** "/"-separated, relative to the folder: the document's source key. */
  relativePath: string;
  realPath: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

const isInside = (root: string, path: string) => path.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * Every accepted file under `root` (a real path). Directories are entered once by real path, so a
 * symlink loop ends; a symlink whose target is outside `root` is reported and skipped.
 */
async function scanFolder(root: string, accepts: (name: string) => boolean, onEscape: (relativePath: string) => void) {
  const files = new Map<string, ScannedFile>();
  const visited = new Set<string>([root]);
  const walk = async (directory: string, prefix: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      // An unreadable root (a mount not up yet, permissions) is not an empty folder: removing every
      // document because of it would be data loss. Abort this scan instead.
      if (depth === 0) throw error;
      return; // a subfolder removed while scanning: its files are simply gone
    }
    for (const entry of entries) {
      if (ignoredName.test(entry.name)) continue;
      const relativePath = prefix ? `${prefix}/${entry.name}` : entry.name;
      let real = join(directory, entry.name);
      if (entry.isSymbolicLink()) {
        real = await realpath(real).catch(() => "");
        if (!real) continue;
        if (!isInside(root, real)) {
          onEscape(relativePath);
          continue;
        }
      }
      const info = await stat(real).catch(() => undefined);
      if (info?.isDirectory() && !visited.has(real) && depth < maxDepth) {
        visited.add(real);
        await walk(real, relativePath, depth + 1);
      } else if (info?.isFile() && accepts(entry.name)) {
        files.set(relativePath, { relativePath, realPath: real, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino });
      }
    }
  };
  await walk(root, "", 0);
  return files;
}

export function watchDropFolder(options: DropFolderOptions): DropFolderWatcher {
  const logger = options.logger.child({ component: "drop-folder", tenant: options.tenant });
  const debounceMs = options.debounceMs ?? 300;
  const settleMs = options.settleMs ?? 1000;
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  /** What was last handed to the library per relative path (or refused, so it is not retried unchanged). */
  const submitted = new Map<string, ScannedFile>();
  const warned = new Set<string>();
  let root = "";
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watcher: FSWatcher | undefined;

  const accepts = (name: string) => fileTypeFromName(name) !== undefined;
  const warnOnce = (key: string, event: string, fields: Record<string, unknown>) => {
    if (warned.has(key)) return;
    warned.add(key);
    logger.warn(event, fields);
  };

  async function readInside(file: ScannedFile): Promise<Uint8Array> {
    // Resolved again at open time: the path may have been swapped for a link since the scan.
    const real = await realpath(file.realPath);
    if (!isInside(root, real)) throw new Error(`${file.relativePath} now resolves outside the drop folder`);
    const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return new Uint8Array(await handle.readFile());
    } finally {
      await handle.close();
    }
  }

  async function submit(file: ScannedFile): Promise<boolean> {
    if (file.size > maxBytes) {
      warnOnce(`size:${file.relativePath}:${file.size}`, "drop_file_too_large", { path: file.relativePath, bytes: file.size, max_bytes: maxBytes });
      return true;
    }
    try {
      await options.ingest(file.relativePath, await readInside(file));
      logger.info("drop_file_submitted", { path: file.relativePath, bytes: file.size });
      return true;
    } catch (error) {
      // The library refused the file itself (empty, bad name…): not retried until it changes.
      if (isAppError(error) && error.status < 500) {
        logger.warn("drop_file_rejected", { path: file.relativePath, code: error.code, detail: error.message });
        return true;
      }
      logger.error("drop_file_failed", { path: file.relativePath, error });
      return false;
    }
  }

  async function reconcile(initial: boolean): Promise<void> {
    const scan = await scanFolder(root, accepts, (relativePath) =>
      warnOnce(`escape:${relativePath}`, "drop_path_outside_folder", { path: relativePath }),
    );
    const now = Date.now();
    let unsettled = false;
    for (const file of scan.values()) {
      const previous = submitted.get(file.relativePath);
      if (previous && previous.size === file.size && previous.mtimeMs === file.mtimeMs && previous.ino === file.ino) continue;
      if (now - file.mtimeMs < settleMs) {
        unsettled = true;
        continue;
      }
      if (await submit(file)) submitted.set(file.relativePath, file);
    }
    const gone = [...submitted.keys()].filter((path) => !scan.has(path));
    // At startup the library may hold files deleted while nobody was watching.
    if (initial && options.known) for (const path of await options.known()) if (!scan.has(path) && !gone.includes(path)) gone.push(path);
    for (const path of gone) {
      try {
        await options.remove(path);
        submitted.delete(path);
        logger.info("drop_file_removed", { path });
      } catch (error) {
        logger.error("drop_file_remove_failed", { path, error });
      }
    }
    if (unsettled) schedule(settleMs);
  }

  /** One reconcile at a time; a request during one runs once more right after it. */
  function run(initial = false): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          if (closed) return;
          await reconcile(initial);
          initial = false;
        } while (again);
      } catch (error) {
        logger.error("drop_folder_scan_failed", { error });
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  function schedule(delayMs: number) {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), delayMs);
  }

  const interval = setInterval(() => void run(), options.rescanIntervalMs ?? 30_000);
  interval.unref();

  const ready = (async () => {
    root = await realpath(resolve(options.dir));
    try {
      // Recursive watching exists on Linux since Node 19.1, on macOS and Windows natively.
      watcher = watch(root, { recursive: true }, () => schedule(debounceMs));
      watcher.on("error", (error) => {
        logger.warn("drop_folder_watch_failed", { error, fallback: "periodic rescan" });
        watcher?.close();
      });
    } catch (error) {
      logger.warn("drop_folder_watch_unavailable", { error, fallback: "periodic rescan" });
    }
    logger.info("drop_folder_watching", { dir: root });
    await run(true);
  })();

  return {
    ready,
    rescan: async () => {
      await ready;
      await run();
      // A rescan requested during a running one is folded into it: wait for that too.
      while (running) await running;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(interval);
      watcher?.close();
      await ready.catch(() => undefined);
      while (running) await running;
    },
  };
}
