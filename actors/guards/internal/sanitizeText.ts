import type { ScreenFinding } from '../createInputScreen.js';

interface Cut {
  start: number;
  end: number;
  /** What replaces the span: nothing (hidden text), or a visible neutralisation marker. */
  marker: string | undefined;
}

/**
 * The text with hidden regions removed and each matched span replaced by
 * `[neutralised: <rule>]`, so the model sees that something was there but not its words.
 * Overlapping cuts merge; a cut inside a hidden region goes with the region (no marker).
 */
export function sanitizeText(
  text: string,
  findings: readonly ScreenFinding[],
  hidden: readonly (readonly [number, number])[],
): string {
  const cuts: Cut[] = hidden.map(([start, end]) => ({ start, end, marker: undefined }));
  for (const f of findings) {
    if (f.family === 'screen') continue;
    // Hidden-text findings are removed with their region; decoded instructions are marked.
    const marker =
      f.family === 'hidden' && f.rule !== 'hidden.base64-instructions'
        ? undefined
        : `[neutralised: ${f.rule}]`;
    cuts.push({ start: f.span[0], end: f.span[1], marker });
  }
  cuts.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Cut[] = [];
  for (const cut of cuts) {
    const last = merged.at(-1);
    if (last !== undefined && cut.start < last.end) {
      // Inside a hidden region, the region's removal wins: the reader never saw that text.
      if (cut.end > last.end) {
        last.end = cut.end;
        last.marker ??= cut.marker;
      }
    } else merged.push({ ...cut });
  }
  let out = '';
  let at = 0;
  for (const cut of merged) {
    out += text.slice(at, cut.start) + (cut.marker ?? '');
    at = cut.end;
  }
  return out + text.slice(at);
}
