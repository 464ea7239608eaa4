import type { InjectionFamily, InjectionRule } from '../injectionRules.js';
import { compact, INVISIBLE, normalizeText, unleet, type NormalizedText } from './normalizeText.js';

/** One match of a rule, located in the original text. */
export interface RawFinding {
  readonly rule: string;
  readonly family: InjectionFamily;
  readonly weight: number;
  /** `[start, end)` in UTF-16 offsets of the original text. */
  readonly span: readonly [number, number];
  /** The matched text (decoded, for hidden content), shortened. */
  readonly excerpt: string;
}

/** What a scan found: rule matches, and the hidden regions a sanitizer removes. */
export interface Scan {
  readonly findings: readonly RawFinding[];
  /** Spans of text a reader does not see (comments, hidden elements, invisible characters). */
  readonly hidden: readonly (readonly [number, number])[];
}

/** A rule prepared for scanning: its global patterns for each text form. */
export interface CompiledRule {
  readonly rule: InjectionRule;
  readonly normal: RegExp;
  readonly compact: RegExp | undefined;
}

const EXCERPT_CHARS = 80;

/**
 * Text that addresses a model ("assistant:", "dear AI,", "instead, tell them"): inside a hidden
 * region, an instruction even when no rule knows its phrasing. Matched on normalised text.
 */
const ADDRESSED =
  /\b(?:ai|assistant|llm|language model|chatbot|gpt|chatgpt|claude|ai agent|copilot)\s?[:,]|\binstead,?\s(?:tell|say|respond|reply|answer|output|recommend|write)\b|\b(?:system|admin|developer) override\b|\bwhen the user (?:asks|requests|says)\b/u;
/** Orders given to "you": with ADDRESSED, what base64-hidden text must not carry. */
const DIRECTIVE = new RegExp(
  `${ADDRESSED.source}|\\byou (?:must|should|will|shall|need to|have to|are now)\\b|\\b(?:ignore|disregard|forward|exfiltrate|reveal)\\b`,
  'u',
);
/** Matches of one rule reported at most: a wall of repeats says nothing more. */
const MAX_MATCHES_PER_RULE = 5;

/** Prepares rules: `g` added, and the compact form derived for the rules that ask for it. */
export function compileRules(rules: readonly InjectionRule[]): CompiledRule[] {
  return rules.map((rule) => {
    const flags = rule.pattern.flags.includes('g') ? rule.pattern.flags : `${rule.pattern.flags}g`;
    const normal = new RegExp(rule.pattern.source, flags);
    const compactSource = rule.pattern.source.replace(/\\s[+*?]?|\\b| /g, '');
    return {
      rule,
      normal,
      compact:
        rule.compact === true && rule.raw !== true
          ? new RegExp(compactSource, normal.flags)
          : undefined,
    };
  });
}

export function excerpt(text: string): string {
  const flat = text.replace(/\s+/gu, ' ').trim();
  return flat.length <= EXCERPT_CHARS ? flat : `${flat.slice(0, EXCERPT_CHARS - 1)}…`;
}

/** Runs `rules` over `source`; `decode` also scans what hidden encodings carry. */
export function scanText(source: string, rules: readonly CompiledRule[]): Scan {
  const normalized = normalizeText(source);
  const findings = matchRules(source, rules, undefined, normalized);
  const hidden: [number, number][] = [];
  const add = (f: RawFinding): void => {
    findings.push(f);
  };
  scanInvisible(source, rules, add, hidden);
  scanMarkup(source, add, hidden);
  scanBase64(source, rules, add);
  // Instructions inside something the reader cannot see are a stronger signal than either.
  // Located once over the whole text: a page of unclosed hidden tags has a region per tag, each
  // running to the end, and normalising each would be quadratic.
  const addressed = spansOf(ADDRESSED, normalized, source.length);
  const signals = [
    ...findings.filter((f) => f.family !== 'hidden').map((f) => f.span),
    ...addressed,
  ];
  let concealed = 0;
  for (const region of hidden) {
    if (region[1] - region[0] <= 1 || concealed >= MAX_MATCHES_PER_RULE) continue;
    if (signals.some((span) => span[0] >= region[0] && span[1] <= region[1])) {
      concealed++;
      add({
        rule: 'hidden.concealed-instructions',
        family: 'hidden',
        weight: 0.6,
        span: region,
        excerpt: excerpt(source.slice(region[0], region[1])),
      });
    }
  }
  return { findings, hidden };
}

/**
 * Matches of `rules` in `source`. With `at`, the whole match is reported at that span (text
 * decoded from a hidden encoding, whose offsets do not map back character by character).
 */
export function matchRules(
  source: string,
  rules: readonly CompiledRule[],
  at: readonly [number, number] | undefined,
  prepared?: NormalizedText,
): RawFinding[] {
  const normalized = prepared ?? normalizeText(source);
  const leet = unleet(normalized);
  const squeezed = compact(leet);
  const rotated = rot13(normalized);
  const findings: RawFinding[] = [];
  for (const { rule, normal, compact: compactPattern } of rules) {
    const seen: [number, number][] = [];
    const forms: [RegExp, NormalizedText | undefined][] =
      rule.raw === true
        ? [[normal, undefined]]
        : [
            [normal, normalized],
            ...(leet === normalized ? [] : ([[normal, leet]] as [RegExp, NormalizedText][])),
            ...(compactPattern === undefined
              ? []
              : ([
                  [compactPattern, squeezed],
                  // The strong phrases also in ROT13, the classic "decode this and obey".
                  [normal, rotated],
                ] as [RegExp, NormalizedText][])),
          ];
    for (const [pattern, form] of forms) {
      const text = form?.text ?? source;
      pattern.lastIndex = 0;
      for (const match of text.matchAll(pattern)) {
        if (seen.length >= MAX_MATCHES_PER_RULE) break;
        if (match[0] === '') continue;
        const from = match.index;
        const to = from + match[0].length;
        const span: [number, number] =
          at !== undefined
            ? [at[0], at[1]]
            : form === undefined
              ? [from, to]
              : [form.start[from] ?? 0, form.end[to - 1] ?? source.length];
        // The same place found again in another form (leet, compact) is one finding.
        if (seen.some(([s, e]) => s < span[1] && span[0] < e)) continue;
        seen.push(span);
        findings.push({
          rule: rule.id,
          family: rule.family,
          weight: rule.weight,
          span,
          excerpt: excerpt(at === undefined ? source.slice(span[0], span[1]) : source),
        });
      }
    }
  }
  return findings;
}

// --- hidden text ---

const ZERO_WIDTH = /[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]/gu;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/gu;
const TAGS = /[\u{e0000}-\u{e007f}]+/gu;
const PICTOGRAPH = /\p{Extended_Pictographic}|\ufe0f/u;

function scanInvisible(
  source: string,
  rules: readonly CompiledRule[],
  add: (f: RawFinding) => void,
  hidden: [number, number][],
): void {
  let zeroWidth = 0;
  let first: [number, number] | undefined;
  for (const m of source.matchAll(ZERO_WIDTH)) {
    const i = m.index;
    // A zero-width joiner between emoji builds one glyph (👩‍💻): that is not hiding anything.
    if (
      m[0] === '\u200d' &&
      (PICTOGRAPH.test(source.slice(Math.max(0, i - 2), i)) ||
        PICTOGRAPH.test(source.slice(i + 1, i + 3)))
    ) {
      continue;
    }
    zeroWidth++;
    first ??= [i, i + 1];
    hidden.push([i, i + 1]);
  }
  if (first !== undefined) {
    add({
      rule: 'hidden.zero-width',
      family: 'hidden',
      // A stray one from a copy-paste is common; several, inside words, are deliberate.
      weight: zeroWidth >= 3 ? 0.45 : 0.15,
      span: first,
      excerpt: `${zeroWidth} zero-width character(s)`,
    });
  }
  const bidi = [...source.matchAll(BIDI)];
  if (bidi.length > 0) {
    for (const m of bidi) hidden.push([m.index, m.index + 1]);
    const at = bidi[0]?.index ?? 0;
    add({
      rule: 'hidden.bidi-override',
      family: 'hidden',
      weight: 0.5,
      span: [at, at + 1],
      excerpt: `${bidi.length} bidirectional override(s)`,
    });
  }
  for (const m of source.matchAll(TAGS)) {
    const span: [number, number] = [m.index, m.index + m[0].length];
    hidden.push(span);
    // A subdivision flag (🏴 + tag letters, e.g. England) is the one legitimate use.
    if (source.slice(Math.max(0, m.index - 2), m.index) === '\u{1f3f4}') continue;
    // Each tag character is an ASCII character shifted by 0xE0000 (two UTF-16 units each).
    let decoded = '';
    for (let i = 0; i < m[0].length; i += 2) {
      decoded += String.fromCharCode((m[0].codePointAt(i) ?? 0xe0000) - 0xe0000);
    }
    add({
      rule: 'hidden.unicode-tags',
      family: 'hidden',
      weight: decoded.length >= 4 ? 0.85 : 0.4,
      span,
      excerpt: excerpt(decoded),
    });
    for (const f of matchRules(decoded, rules, span)) add(f);
  }
}

const COMMENT = /<!--[\s\S]*?(?:-->|$)/gu;
// Opening tags only (bounded, so a page of unclosed tags stays linear); the element's end is
// found by `closingTag`.
const HIDDEN_STYLE_TAG =
  /<([a-z][a-z0-9]{0,20})\b[^>]{0,500}?\bstyle\s*=\s*["'][^"'>]{0,500}?(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?:\.0+)?\s*(?:;|["'])|color\s*:\s*(?:#fff(?:fff)?|white|transparent)\b|(?:height|width)\s*:\s*0(?:px)?\s*;[^"'>]{0,200}overflow\s*:\s*hidden)[^>]{0,500}>/giu;
const HIDDEN_ATTRIBUTE_TAG =
  /<([a-z][a-z0-9]{0,20})\b[^>]{0,500}?\s(?:hidden|aria-hidden\s*=\s*["']true["'])[^>]{0,500}>/giu;

/**
 * Where the element opened at `from` ends: after its closing tag, or at the end of the text
 * when it is never closed (a browser hides the rest too). `cache` remembers, per tag name, the
 * last closing tag found, so many unclosed tags cost one search each, not one scan each.
 */
function closingTag(
  source: string,
  lower: string,
  name: string,
  from: number,
  cache: Map<string, number>,
): number {
  const known = cache.get(name);
  let at =
    known !== undefined && (known === -1 || known >= from)
      ? known
      : lower.indexOf(`</${name}`, from);
  cache.set(name, at);
  if (at === -1) return source.length;
  const close = source.indexOf('>', at);
  at = close === -1 ? source.length : close + 1;
  return at;
}

function scanMarkup(
  source: string,
  add: (f: RawFinding) => void,
  hidden: [number, number][],
): void {
  let reported = 0;
  for (const m of source.matchAll(COMMENT)) {
    const span: [number, number] = [m.index, m.index + m[0].length];
    hidden.push(span);
    // Every region is removed when sanitising; only the first few are reported.
    if (++reported <= MAX_MATCHES_PER_RULE)
      add({
        rule: 'hidden.html-comment',
        family: 'hidden',
        weight: 0.1,
        span,
        excerpt: excerpt(m[0]),
      });
  }
  // ASCII-only lowercasing keeps offsets (a full toLowerCase can change the length).
  const lower = source.replace(/[A-Z]+/g, (run) => run.toLowerCase());
  const cache = new Map<string, number>();
  reported = 0;
  for (const pattern of [HIDDEN_STYLE_TAG, HIDDEN_ATTRIBUTE_TAG]) {
    cache.clear();
    for (const m of source.matchAll(pattern)) {
      const name = (m[1] ?? '').toLowerCase();
      const span: [number, number] = [
        m.index,
        closingTag(source, lower, name, m.index + m[0].length, cache),
      ];
      hidden.push(span);
      if (++reported <= 2 * MAX_MATCHES_PER_RULE)
        add({
          rule: 'hidden.css',
          family: 'hidden',
          weight: 0.25,
          span,
          excerpt: excerpt(source.slice(span[0], span[1])),
        });
    }
  }
}

const BASE64 = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{24,}={0,2}(?![A-Za-z0-9+/_=-])/gu;

/** Base64 blobs that decode to readable text carrying instructions (never benign data). */
function scanBase64(
  source: string,
  rules: readonly CompiledRule[],
  add: (f: RawFinding) => void,
): void {
  let checked = 0;
  for (const m of source.matchAll(BASE64)) {
    // Bounded work: a megabyte of base64 image data is not decoded blob by blob.
    if (++checked > 50) break;
    const decoded = Buffer.from(m[0].replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString(
      'utf8',
    );
    if (decoded.length < 12 || !isReadable(decoded)) continue;
    const span: [number, number] = [m.index, m.index + m[0].length];
    const inner = matchRules(decoded, rules, span).filter((f) => f.family !== 'hidden');
    // Readable sentences giving orders, hidden in base64, are instructions even when no rule
    // knows the phrasing.
    if (inner.length === 0 && !DIRECTIVE.test(normalizeText(decoded).text)) continue;
    add({
      rule: 'hidden.base64-instructions',
      family: 'hidden',
      weight: 0.85,
      span,
      excerpt: excerpt(decoded),
    });
    for (const f of inner) add(f);
  }
}

function isReadable(text: string): boolean {
  let readable = 0;
  for (const ch of text) if (/[\p{L}\p{N}\p{P}\s]/u.test(ch) && !INVISIBLE.test(ch)) readable++;
  return readable / text.length >= 0.9;
}

/** Where `pattern` matches the normalised text, as spans of the original (at most 50). */
function spansOf(
  pattern: RegExp,
  normalized: NormalizedText,
  length: number,
): (readonly [number, number])[] {
  const spans: (readonly [number, number])[] = [];
  const global = new RegExp(pattern.source, `${pattern.flags}g`);
  for (const m of normalized.text.matchAll(global)) {
    if (spans.length >= 50) break;
    const to = m.index + m[0].length;
    spans.push([normalized.start[m.index] ?? 0, normalized.end[to - 1] ?? length]);
  }
  return spans;
}

/** ROT13 of the normalised text (letters only); same length, same offsets. */
function rot13(normalized: NormalizedText): NormalizedText {
  const text = normalized.text.replace(/[a-z]/g, (c) =>
    String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97),
  );
  return { ...normalized, text };
}
