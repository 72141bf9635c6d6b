/** Time and identity are injected so tests can pin them. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface IdGenerator {
  /** A collision-free, time-ordered id (ULID-like: 10 time chars + 16 random chars, Crockford base32). */
  next(): string;
}

/** Crockford's base32 (no I, L, O or U): the ULID alphabet. */
export const crockfordBase32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID's first 10 characters: epoch ms in base32, most significant first, so ids sort by time. */
export function ulidTimePart(epochMs: number): string {
  let part = "";
  let remaining = Math.max(0, Math.floor(epochMs));
  for (let index = 0; index < 10; index++) {
    part = crockfordBase32[remaining % 32] + part;
    remaining = Math.floor(remaining / 32);
  }
  return part;
}

/** The epoch ms in a ULID's time part. */
export function ulidTime(id: string): number {
  let time = 0;
  for (let index = 0; index < 10; index++) time = time * 32 + crockfordBase32.indexOf(id[index] ?? "0");
  return time;
}

/** Random values are drawn this many ids at a time: one getRandomValues call costs as much as many ids. */
const randomBatch = 256;

export function createIdGenerator(clock: Clock = systemClock): IdGenerator {
  let lastTime = -1;
  let timePart = "";
  const lastRandom = new Uint8Array(16);
  const pool = new Uint8Array(16 * randomBatch);
  let used = randomBatch;
  const freshRandom = () => {
    if (used === randomBatch) {
      crypto.getRandomValues(pool);
      used = 0;
    }
    const start = used++ * 16;
    for (let index = 0; index < 16; index++) lastRandom[index] = pool[start + index]! % 32;
  };
  return {
    next() {
      const time = clock.now();
      if (time === lastTime) {
        // Same millisecond: increment the random part so ids stay strictly ordered and unique.
        for (let index = 15; index >= 0; index--) {
          const value = (lastRandom[index] ?? 0) + 1;
          if (value < 32) {
            lastRandom[index] = value;
            break;
          }
          lastRandom[index] = 0;
        }
      } else {
        lastTime = time;
        freshRandom();
        timePart = ulidTimePart(time);
      }
      let id = timePart;
      for (let index = 0; index < 16; index++) id += crockfordBase32[lastRandom[index]!];
      return id;
    },
  };
}
