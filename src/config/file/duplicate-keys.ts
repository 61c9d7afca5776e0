/**
 * Keys given twice in one JSON object. `JSON.parse` keeps the last of two equal keys and says nothing, so a server
 * named twice (a copy-paste of an entry, edited but not renamed) or an option given twice would silently lose one.
 * This is a single pass over the text (which `JSON.parse` has already accepted), linear in its length: strings are
 * skipped whole, escapes included, so braces and quotes inside them are never taken for structure.
 */

/** A key found twice: where its container is, the key, and the lines of both. */
export interface DuplicateKey {
  /** The keys (and list indexes) leading to the object that holds the key twice; `[]` for the top-level object. */
  container: Array<string | number>;
  key: string;
  firstLine: number;
  secondLine: number;
}

interface Frame {
  kind: 'object' | 'array';
  /** The container this one is in, and its key or index there (the path is built only for a duplicate). */
  parent: Frame | undefined;
  at: string | number;
  /** Object keys seen so far, with their lines. */
  keys: Map<string, number>;
  /** Object: the key whose value comes next. Array: the index of the next item. */
  pending: string | number;
  /** Object: whether the next string is a key. */
  wantKey: boolean;
}

/**
 * The first key that appears twice in one object of `text`, in the order of the text, or undefined.
 * @param text JSON that `JSON.parse` accepts (without a byte-order mark); other text gives no useful answer
 */
export function findDuplicateKey(text: string): DuplicateKey | undefined {
  const stack: Frame[] = [];
  let line = 1;
  let i = 0;
  const open = (kind: Frame['kind']) => {
    const parent = stack[stack.length - 1];
    stack.push({ kind, parent, at: parent?.pending ?? 0, keys: new Map(), pending: 0, wantKey: kind === 'object' });
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.wantKey) {
        const key = JSON.parse(text.slice(i, end)) as string;
        const first = top.keys.get(key);
        if (first !== undefined) return { container: pathOf(top), key, firstLine: first, secondLine: line };
        top.keys.set(key, line);
        top.pending = key;
        top.wantKey = false;
      }
      i = end;
      continue;
    }
    if (c === '\n') line++;
    else if (c === '{') open('object');
    else if (c === '[') open('array');
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.wantKey = true;
      else if (top !== undefined) top.pending = (top.pending as number) + 1;
    }
    i++;
  }
  return undefined;
}

/** The keys and indexes leading from the top-level value to `frame`. */
function pathOf(frame: Frame): Array<string | number> {
  const path: Array<string | number> = [];
  for (let f: Frame | undefined = frame; f?.parent !== undefined; f = f.parent) path.unshift(f.at);
  return path;
}

/** The offset just past the string that opens at `start` (a `"`), its escapes skipped. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}
