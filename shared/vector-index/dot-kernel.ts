/**
 * Where a replica's vectors live and how a query is scored against all of them — the whole cost of
 * a search. Two implementations with bit-identical results:
 * - JavaScript: a Float32Array and an unrolled loop. Runs everywhere.
 * - WebAssembly SIMD: the matrix inside a wasm memory, scored two lanes at a time (~4x faster here).
 *   Node compiles it at run time. Workers forbid run-time compilation, so the Workers entry imports
 *   the same module precompiled (dot-kernel.wasm, bundled by wrangler) and passes it in.
 * Both multiply float32 × float32 in double precision (exact) and sum four interleaved partial sums
 * in the same order, so a Node process and a Worker rank the same vectors identically.
 */
export interface MatrixBlock {
  readonly capacity: number;
  /** `capacity * dimension` floats; row r starts at r * dimension. */
  readonly matrix: Float32Array;
  /** Dot product of each of the first `rows` rows with `query`; valid until the next call. */
  scores(rows: number, query: Float32Array): Float64Array;
}

export interface DotKernel {
  readonly name: "wasm-simd" | "javascript";
  allocate(dimension: number, capacity: number): MatrixBlock;
}

export interface DotKernelOptions {
  /** Default true; false forces the JavaScript kernel (tests compare the two). */
  wasm?: boolean;
  /** Below this many rows the JavaScript kernel is fast enough and a wasm memory is not worth its reservation. */
  wasmMinRows?: number;
  /** The module already compiled by the platform (Workers import dot-kernel.wasm); default: compile here. */
  module?: WebAssembly.Module;
}

export function createDotKernel(options: DotKernelOptions = {}): DotKernel {
  const module = options.wasm === false ? undefined : (options.module ?? compileScoresModule());
  const wasmMinRows = options.wasmMinRows ?? 256;
  return {
    name: module ? "wasm-simd" : "javascript",
    allocate(dimension, capacity) {
      if (module && dimension % 4 === 0 && capacity >= wasmMinRows) return allocateWasm(module, dimension, capacity);
      return allocateJavaScript(dimension, capacity);
    },
  };
}

function allocateJavaScript(dimension: number, capacity: number): MatrixBlock {
  const matrix = new Float32Array(capacity * dimension);
  const scores = new Float64Array(capacity);
  return { capacity, matrix, scores: (rows, query) => scoreRows(matrix, rows, dimension, query, scores) };
}

/**
 * A plain function of its arguments, not a closure: V8 keeps them in registers, where captured
 * variables would be reloaded from the closure's context on every iteration (~1.5x slower).
 */
function scoreRows(matrix: Float32Array, rows: number, dimension: number, query: Float32Array, scores: Float64Array): Float64Array {
  const unrolled = dimension - (dimension % 4);
  for (let row = 0, base = 0; row < rows; row++, base += dimension) {
    // Four independent partial sums pipeline instead of waiting on each other.
    let sum0 = 0;
    let sum1 = 0;
    let sum2 = 0;
    let sum3 = 0;
    let index = 0;
    for (; index < unrolled; index += 4) {
      const offset = base + index;
      sum0 += matrix[offset]! * query[index]!;
      sum1 += matrix[offset + 1]! * query[index + 1]!;
      sum2 += matrix[offset + 2]! * query[index + 2]!;
      sum3 += matrix[offset + 3]! * query[index + 3]!;
    }
    for (; index < dimension; index++) sum0 += matrix[base + index]! * query[index]!;
    scores[row] = sum0 + sum1 + sum2 + sum3;
  }
  return scores;
}

function allocateWasm(module: WebAssembly.Module, dimension: number, capacity: number): MatrixBlock {
  // Layout: [matrix: capacity × dimension f32][query: dimension f64][scores: capacity f64], all 16-byte aligned.
  const matrixBytes = capacity * dimension * 4;
  const queryOffset = align16(matrixBytes);
  const scoresOffset = align16(queryOffset + dimension * 8);
  const pages = Math.ceil((scoresOffset + capacity * 8) / 65_536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const score = instance.exports.scores as (matrix: number, rows: number, dimension: number, query: number, out: number) => void;
  const matrix = new Float32Array(memory.buffer, 0, capacity * dimension);
  const query64 = new Float64Array(memory.buffer, queryOffset, dimension);
  const scores = new Float64Array(memory.buffer, scoresOffset, capacity);
  return {
    capacity,
    matrix,
    scores(rows, query) {
      query64.set(query);
      score(0, rows, dimension, queryOffset, scoresOffset);
      return scores;
    },
  };
}

const align16 = (offset: number) => Math.ceil(offset / 16) * 16;

function compileScoresModule(): WebAssembly.Module | undefined {
  if (typeof WebAssembly === "undefined") return undefined;
  try {
    const bytes = scoresModuleBytes();
    // validate() is false where SIMD is unsupported; the constructor throws where compiling is forbidden.
    return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : undefined;
  } catch {
    // Expected on Workers ("Wasm code generation disallowed by embedder"): the JavaScript kernel
    // is the designed fallback there, not an error to report.
    return undefined;
  }
}

/**
 * The module, assembled here so no build step or binary file is needed. Equivalent text format:
 *
 * (func (export "scores") (param $m i32) (param $rows i32) (param $dim i32) (param $query i32) (param $out i32)
 *   (local $row i32) (local $q i32) (local $end i32) (local $a v128) (local $b v128) (local $v v128)
 *   (block (loop                                            ;; for each row
 *     (br_if 1 (i32.ge_u $row $rows))
 *     $a = $b = v128.const 0;  $q = $query;  $end = $m + $dim * 4
 *     (block (loop                                          ;; 4 floats at a time
 *       (br_if 1 (i32.ge_u $m $end))
 *       $v = v128.load $m
 *       $a += f64x2.promote_low_f32x4($v) * v128.load $q              ;; lanes 0,1
 *       $b += f64x2.promote_low_f32x4(shuffle_high($v)) * v128.load offset=16 $q  ;; lanes 2,3
 *       $m += 16;  $q += 32;  (br 0)))
 *     f64.store $out (((a[0] + a[1]) + b[0]) + b[1])
 *     $out += 8;  $row += 1;  (br 0))))
 */
export function scoresModuleBytes(): Uint8Array<ArrayBuffer> {
  const [m, rows, dim, query, out, row, q, end, a, b, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const get = (local: number) => [0x20, local];
  const set = (local: number) => [0x21, local];
  const i32 = (value: number) => [0x41, value]; // values used are < 64: one-byte signed LEB128
  const [i32Add, i32Shl, i32GeU, f64Add] = [0x6a, 0x74, 0x4f, 0xa0];
  const [block, loop, end_, br, brIf] = [[0x02, 0x40], [0x03, 0x40], 0x0b, 0x0c, 0x0d];
  const v128Load = (offset: number) => [0xfd, 0x00, 0x04, offset];
  const v128Zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const highToLow = [0xfd, 0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
  const promoteLow = [0xfd, 0x5f];
  const [f64x2Add, f64x2Mul] = [[0xfd, 0xf0, 0x01], [0xfd, 0xf2, 0x01]];
  const lane = (index: number) => [0xfd, 0x21, index];
  const f64Store = [0x39, 0x03, 0x00];

  const body = [
    ...[0x02, 0x03, 0x7f, 0x03, 0x7b], // locals: 3 × i32, 3 × v128
    ...block, ...loop,
    ...get(row), ...get(rows), i32GeU, brIf, 1,
    ...v128Zero, ...set(a), ...v128Zero, ...set(b),
    ...get(query), ...set(q),
    ...get(m), ...get(dim), ...i32(2), i32Shl, i32Add, ...set(end),
    ...block, ...loop,
    ...get(m), ...get(end), i32GeU, brIf, 1,
    ...get(m), ...v128Load(0), ...set(v),
    ...get(a), ...get(v), ...promoteLow, ...get(q), ...v128Load(0), ...f64x2Mul, ...f64x2Add, ...set(a),
    ...get(b), ...get(v), ...get(v), ...highToLow, ...promoteLow, ...get(q), ...v128Load(16), ...f64x2Mul, ...f64x2Add, ...set(b),
    ...get(m), ...i32(16), i32Add, ...set(m),
    ...get(q), ...i32(32), i32Add, ...set(q),
    br, 0, end_, end_,
    ...get(out),
    ...get(a), ...lane(0), ...get(a), ...lane(1), f64Add, ...get(b), ...lane(0), f64Add, ...get(b), ...lane(1), f64Add,
    ...f64Store,
    ...get(out), ...i32(8), i32Add, ...set(out),
    ...get(row), ...i32(1), i32Add, ...set(row),
    br, 0, end_, end_,
    end_,
  ];
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const name = (text: string) => [text.length, ...Array.from(text, (char) => char.charCodeAt(0))];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]), // type: (i32 × 5) → ()
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 0x00]), // import memory, min 0
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [1, ...name("scores"), 0x00, 0]), // export it
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

function uleb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
}
