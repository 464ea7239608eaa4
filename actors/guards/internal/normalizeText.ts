/**
 * Text prepared for matching, with the way back: `text[i]` came from `source` characters
 * `[start[i], end[i])`, so a match in the normalised text is a span of the original.
 */
export interface NormalizedText {
  readonly text: string;
  readonly start: readonly number[];
  readonly end: readonly number[];
}

/**
 * Characters that render as nothing: zero-width spaces and joiners, word joiner, BOM, soft hyphen,
 * Mongolian vowel separator, bidi embeddings/overrides/isolates and the Unicode tag block.
 */
export const INVISIBLE =
  /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\u{e0000}-\u{e007f}]/u;

/** Latin look-alikes (Cyrillic, Greek) that NFKC leaves alone: "іgnоre" with Cyrillic і and о. */
const CONFUSABLES: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  ı: 'i',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  γ: 'y',
  ω: 'w',
};

/** Digits and symbols read as letters ("1gn0r3 pr3v10us"), one for one so offsets hold. */
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
  '€': 'e',
};

const MARKS = /\p{M}/gu;
const SPACE = /\s/u;

/**
 * Normalises text for matching: Unicode NFKC (fullwidth and styled letters become plain),
 * diacritics dropped, Cyrillic and Greek look-alikes mapped to Latin, invisible characters
 * removed, lowercase, and each run of whitespace collapsed to one space (or one newline when it
 * holds a line break, so line-start rules still work). Works code point by code point, which
 * keeps the map to the original offsets exact.
 */
export function normalizeText(source: string): NormalizedText {
  let text = '';
  const start: number[] = [];
  const end: number[] = [];
  let pendingSpace: { char: string; at: number; to: number } | undefined;
  let offset = 0;
  for (const cp of source) {
    const at = offset;
    offset += cp.length;
    if (INVISIBLE.test(cp)) continue;
    if (SPACE.test(cp)) {
      const char = cp === '\n' || cp === '\r' || pendingSpace?.char === '\n' ? '\n' : ' ';
      pendingSpace = { char, at: pendingSpace?.at ?? at, to: offset };
      continue;
    }
    if (pendingSpace !== undefined) {
      if (text !== '') {
        text += pendingSpace.char;
        start.push(pendingSpace.at);
        end.push(pendingSpace.to);
      }
      pendingSpace = undefined;
    }
    const folded = cp.normalize('NFKD').replace(MARKS, '').normalize('NFKC').toLowerCase();
    for (const ch of folded) {
      // NFKC can turn one character into a space (a no-break space, "㈠"): keep runs collapsed.
      if (SPACE.test(ch)) {
        if (!text.endsWith(' ') && text !== '') {
          text += ' ';
          start.push(at);
          end.push(offset);
        }
        continue;
      }
      text += CONFUSABLES[ch] ?? ch;
      for (let i = 0; i < (CONFUSABLES[ch] ?? ch).length; i++) {
        start.push(at);
        end.push(offset);
      }
    }
  }
  return { text, start, end };
}

/** The same text with digits and symbols read as letters; same length, same offsets. */
export function unleet(normalized: NormalizedText): NormalizedText {
  let changed = false;
  let text = '';
  for (const ch of normalized.text) {
    const mapped = LEET[ch];
    if (mapped !== undefined && ch.length === 1) {
      text += mapped;
      changed = true;
    } else text += ch;
  }
  return changed ? { ...normalized, text } : normalized;
}

/**
 * The text with every space and punctuation mark removed ("i g n o r e", "ignore.previous"),
 * for the rules that also match run together.
 */
export function compact(normalized: NormalizedText): NormalizedText {
  let text = '';
  const start: number[] = [];
  const end: number[] = [];
  let i = 0;
  for (const ch of normalized.text) {
    if (/[\p{L}\p{N}]/u.test(ch)) {
      text += ch;
      for (let k = 0; k < ch.length; k++) {
        start.push(normalized.start[i + k] ?? 0);
        end.push(normalized.end[i + k] ?? 0);
      }
    }
    i += ch.length;
  }
  return { text, start, end };
}
