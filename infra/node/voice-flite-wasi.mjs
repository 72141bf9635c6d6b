// The few WASI preview1 calls flite.wasm makes, answered in JavaScript. Not node:wasi: under
// sustained synthesis it corrupted the flite thread's V8 heap (Node 20) and the server died with
// SIGSEGV after a few hundred runs; compiling per thread, or a fresh thread every 32 runs, only
// brought the crash sooner. Its native calls write into wasm memory through raw pointers while
// flite's malloc grows that memory, the likely culprit. Here every call reads `memory.buffer`
// afresh, and the WAV stays in memory, not on disk. Plain JavaScript: it runs on a worker thread.

const errno = { success: 0, badf: 8, inval: 28, noent: 44 };
const outDirFd = 3;
const allRights = 0xffffffffffffffffn;

/** Thrown by proc_exit to leave `_start`; carries the exit code. */
class Exit {
  constructor(code) {
    this.code = code;
  }
}

/** A file that only lives in memory: the one flite writes its WAV to. */
function memoryFile() {
  let bytes = new Uint8Array(1 << 16);
  let size = 0;
  let position = 0;
  return {
    write(chunk) {
      const end = position + chunk.length;
      if (end > bytes.length) {
        const grown = new Uint8Array(Math.max(end, bytes.length * 2));
        grown.set(bytes.subarray(0, size));
        bytes = grown;
      }
      bytes.set(chunk, position);
      position = end;
      size = Math.max(size, end);
    },
    seek(offset, whence) {
      const base = whence === 0 ? 0 : whence === 1 ? position : size;
      const next = base + offset;
      if (next < 0) return undefined;
      position = next;
      return next;
    },
    contents: () => bytes.slice(0, size),
  };
}

/**
 * Runs flite once: `args` after the program name, `outName` the one file it may create in the
 * preopened "/out" (returned in memory). Resolves to the exit code and that file, if written.
 */
export function runFlite(module, args, outName) {
  const argv = ["flite", ...args].map((arg) => new TextEncoder().encode(`${arg}\0`));
  const files = new Map();
  let instance;
  const view = () => new DataView(instance.exports.memory.buffer);
  const bytes = (ptr, len) => new Uint8Array(instance.exports.memory.buffer, ptr, len);
  const iovecs = (iovs, count) => Array.from({ length: count }, (_, i) => bytes(view().getUint32(iovs + i * 8, true), view().getUint32(iovs + i * 8 + 4, true)));

  const wasi = {
    args_sizes_get(argcPtr, sizePtr) {
      view().setUint32(argcPtr, argv.length, true);
      view().setUint32(sizePtr, argv.reduce((sum, arg) => sum + arg.length, 0), true);
      return errno.success;
    },
    args_get(argvPtr, bufPtr) {
      let at = bufPtr;
      argv.forEach((arg, i) => {
        view().setUint32(argvPtr + i * 4, at, true);
        bytes(at, arg.length).set(arg);
        at += arg.length;
      });
      return errno.success;
    },
    clock_time_get(_id, _precision, timePtr) {
      view().setBigUint64(timePtr, BigInt(Date.now()) * 1_000_000n, true);
      return errno.success;
    },
    fd_close(fd) {
      return fd <= outDirFd || files.has(fd) ? errno.success : errno.badf;
    },
    fd_fdstat_get(fd, ptr) {
      if (fd > outDirFd && !files.has(fd)) return errno.badf;
      const v = view();
      // filetype: character device (stdio), directory (the preopen), regular file.
      v.setUint8(ptr, fd < outDirFd ? 2 : fd === outDirFd ? 3 : 4);
      v.setUint16(ptr + 2, 0, true);
      v.setBigUint64(ptr + 8, allRights, true);
      v.setBigUint64(ptr + 16, allRights, true);
      return errno.success;
    },
    fd_fdstat_set_flags: () => errno.success,
    fd_prestat_get(fd, ptr) {
      if (fd !== outDirFd) return errno.badf;
      view().setUint8(ptr, 0);
      view().setUint32(ptr + 4, "/out".length, true);
      return errno.success;
    },
    fd_prestat_dir_name(fd, pathPtr, len) {
      if (fd !== outDirFd) return errno.badf;
      bytes(pathPtr, len).set(new TextEncoder().encode("/out").subarray(0, len));
      return errno.success;
    },
    fd_read(_fd, _iovs, _count, nreadPtr) {
      view().setUint32(nreadPtr, 0, true);
      return errno.success;
    },
    fd_seek(fd, offset, whence, newOffsetPtr) {
      const file = files.get(fd);
      if (!file) return errno.badf;
      const next = file.seek(Number(offset), whence);
      if (next === undefined) return errno.inval;
      view().setBigUint64(newOffsetPtr, BigInt(next), true);
      return errno.success;
    },
    fd_write(fd, iovs, count, nwrittenPtr) {
      const file = files.get(fd);
      if (!file && fd !== 1 && fd !== 2) return errno.badf;
      let written = 0;
      for (const chunk of iovecs(iovs, count)) {
        file?.write(chunk);
        written += chunk.length;
      }
      view().setUint32(nwrittenPtr, written, true);
      return errno.success;
    },
    path_open(dirFd, _dirFlags, pathPtr, pathLen, _oflags, _rightsBase, _rightsInheriting, _fdFlags, fdPtr) {
      const path = new TextDecoder().decode(bytes(pathPtr, pathLen));
      if (dirFd !== outDirFd || path !== outName) return errno.noent;
      const fd = outDirFd + 1 + files.size;
      files.set(fd, memoryFile());
      view().setUint32(fdPtr, fd, true);
      return errno.success;
    },
    proc_exit(code) {
      throw new Exit(code);
    },
  };

  instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi });
  let code = 0;
  try {
    instance.exports._start();
  } catch (error) {
    if (!(error instanceof Exit)) throw error;
    code = error.code;
  }
  const out = [...files.values()].at(-1);
  return { code, file: out?.contents() };
}
