// A seeded generator for property-style loops: the same names on every run, so a failure can be replayed.

/** mulberry32: a small, fast, seeded PRNG returning numbers in [0, 1). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABETS = {
  tool: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-',
  wild: 'abcXYZ019_-.:/ @+éß日本🙂\u0000\t"\\',
};

/** Random text of `min`..`max` code points from an alphabet ("tool": valid tool-name characters; "wild": anything). */
export function randomText(random: () => number, kind: keyof typeof ALPHABETS, min: number, max: number): string {
  const chars = Array.from(ALPHABETS[kind]);
  const length = min + Math.floor(random() * (max - min + 1));
  let text = '';
  for (let i = 0; i < length; i++) text += chars[Math.floor(random() * chars.length)];
  return text;
}
