/**
 * Seeded random unit vectors for tests and the benchmark: reproducible, so a failing exactness
 * check can be rerun on the same data.
 */
export function createRandomVectors(seed: number): (dimension: number) => Float32Array {
  // mulberry32: tiny, fast and good enough to scatter points on a sphere.
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  return (dimension) => {
    const vector = new Float32Array(dimension);
    let sumOfSquares = 0;
    for (let index = 0; index < dimension; index++) {
      // Box–Muller: Gaussian coordinates make the direction uniform on the sphere.
      const gaussian = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      vector[index] = gaussian;
      sumOfSquares += gaussian * gaussian;
    }
    const norm = Math.sqrt(sumOfSquares);
    for (let index = 0; index < dimension; index++) vector[index] = vector[index]! / norm;
    return vector;
  };
}
