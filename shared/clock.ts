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

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
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
        timePart = "";
        let remaining = time;
        for (let index = 0; index < 10; index++) {
          timePart = alphabet[remaining % 32] + timePart;
          remaining = Math.floor(remaining / 32);
        }
      }
      let id = timePart;
      for (let index = 0; index < 16; index++) id += alphabet[lastRandom[index]!];
      return id;
    },
  };
}
