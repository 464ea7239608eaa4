/** A 1-based position in a text, as editors show it. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Where the first JSON syntax error in `text` is, or `undefined` when `text` is valid JSON.
 *
 * Node 20's `JSON.parse` often reports no position at all (`Unexpected token 'x', "…" is not valid
 * JSON`), and people editing a policy file need the line. This is a strict RFC 8259 recogniser
 * that only finds the offset; `JSON.parse` still does the parsing.
 */
export function locateJsonError(text: string): TextPosition | undefined {
  const offset = new JsonScanner(text).firstErrorOffset();
  return offset === undefined ? undefined : positionOf(text, offset);
}

function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** A JSON number at `lastIndex` (sticky). */
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Thrown inside the scanner only, to unwind to the first error. */
class Stop extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at offset ${offset}`);
  }
}

class JsonScanner {
  readonly #text: string;
  #i = 0;

  constructor(text: string) {
    this.#text = text;
  }

  firstErrorOffset(): number | undefined {
    try {
      this.#value();
      this.#ws();
      if (this.#i < this.#text.length) throw new Stop(this.#i);
      return undefined;
    } catch (e) {
      if (e instanceof Stop) return e.offset;
      return undefined; // nesting deeper than the stack: only the position is lost
    }
  }

  #ws(): void {
    while (/[ \t\n\r]/.test(this.#text.charAt(this.#i))) this.#i++;
  }

  #expect(literal: string): void {
    for (const ch of literal) {
      if (this.#text.charAt(this.#i) !== ch) throw new Stop(this.#i);
      this.#i++;
    }
  }

  #value(): void {
    this.#ws();
    switch (this.#text.charAt(this.#i)) {
      case '{':
        this.#members('}', () => {
          this.#member();
        });
        return;
      case '[':
        this.#members(']', () => {
          this.#value();
        });
        return;
      case '"':
        this.#string();
        return;
      case 't':
        this.#expect('true');
        return;
      case 'f':
        this.#expect('false');
        return;
      case 'n':
        this.#expect('null');
        return;
      default:
        this.#number();
    }
  }

  /** `{…}` or `[…]`: comma-separated items, no trailing comma. */
  #members(close: '}' | ']', item: () => void): void {
    this.#i++;
    this.#ws();
    if (this.#text.charAt(this.#i) === close) {
      this.#i++;
      return;
    }
    for (;;) {
      item();
      this.#ws();
      const ch = this.#text.charAt(this.#i);
      this.#i++;
      if (ch === close) return;
      if (ch !== ',') throw new Stop(this.#i - 1);
    }
  }

  #member(): void {
    this.#ws();
    if (this.#text.charAt(this.#i) !== '"') throw new Stop(this.#i);
    this.#string();
    this.#ws();
    this.#expect(':');
    this.#value();
  }

  #string(): void {
    this.#i++;
    for (;;) {
      if (this.#i >= this.#text.length) throw new Stop(this.#i);
      const ch = this.#text.charAt(this.#i);
      if (ch === '"') {
        this.#i++;
        return;
      }
      if (ch < ' ') throw new Stop(this.#i); // RFC 8259: control characters must be escaped
      if (ch === '\\') {
        const escape = this.#text.charAt(this.#i + 1);
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.#text.slice(this.#i + 2, this.#i + 6))) {
            throw new Stop(this.#i);
          }
          this.#i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(escape) || escape === '') throw new Stop(this.#i);
        this.#i += 2;
        continue;
      }
      this.#i++;
    }
  }

  #number(): void {
    NUMBER.lastIndex = this.#i;
    const match = NUMBER.exec(this.#text);
    if (match === null) throw new Stop(this.#i);
    this.#i += match[0].length;
  }
}
