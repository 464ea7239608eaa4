/** A YAML syntax error as it may be reported: where, and what kind, never the source text. */
export interface YamlSyntaxProblem {
  /** `bad indentation or an unclosed { or [ at line 2, column 59 (BAD_INDENT)` */
  readonly reason: string;
  /** 1-based line of the error, when the parser said. */
  readonly line?: number;
  /** 1-based column of the error, when the parser said. */
  readonly column?: number;
  /** The `yaml` package's error code (`BAD_INDENT`, `MISSING_CHAR`, …). */
  readonly yamlCode?: string;
}

/**
 * What the `yaml` package's codes mean, in words that quote nothing. The package's own messages
 * end in a code frame (the offending source line) and some quote the offending token (`Invalid
 * escape sequence \q`, `Block scalar header includes extra characters: |…`): on a line such as
 * `auth: { user: av, password: … ]` either would put the password in the error.
 */
const reasons: Readonly<Record<string, string>> = {
  BAD_INDENT: 'bad indentation, or an unclosed { or [',
  BLOCK_IN_FLOW: 'a block collection inside { } or [ ] (a value with ": " in it needs quotes)',
  MISSING_CHAR: 'a missing character (a comma, a colon or a closing bracket or quote)',
  UNEXPECTED_TOKEN: 'an unexpected character or token',
  BAD_DQ_ESCAPE: 'an invalid escape sequence in a double-quoted string',
  BAD_SCALAR_START: 'a plain value starting with a reserved character (quote it)',
  DUPLICATE_KEY: 'a duplicate key',
  TAB_AS_INDENT: 'a tab used for indentation',
  MULTILINE_IMPLICIT_KEY: 'a key spanning several lines',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection used as a key',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MULTIPLE_DOCS: 'more than one document',
  MULTIPLE_ANCHORS: 'more than one anchor on a node',
  MULTIPLE_TAGS: 'more than one tag on a node',
  BAD_ALIAS: 'an invalid alias',
  ALIAS_PROPS: 'an alias with an anchor or a tag',
  BAD_PROP_ORDER: 'an anchor or tag in the wrong place',
  BAD_DIRECTIVE: 'an invalid directive',
  NON_STRING_KEY: 'a key that is not a string',
  TAG_RESOLVE_FAILED: 'an unknown tag',
  BAD_COLLECTION_TYPE: 'a tag that does not fit its collection',
};

/**
 * Describes an error thrown by the `yaml` package's `parse` by its code and position only, so a
 * config loader can report it without echoing any of the source (which may hold a password or a
 * token). Anything that is not a `YAMLParseError` is described as a syntax error without a place.
 */
export function describeYamlError(error: unknown): YamlSyntaxProblem {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    linePos?: unknown;
  };
  const yamlCode = typeof fields.code === 'string' ? fields.code : undefined;
  const start = Array.isArray(fields.linePos) ? (fields.linePos[0] as unknown) : undefined;
  const { line, col } = (typeof start === 'object' && start !== null ? start : {}) as {
    line?: unknown;
    col?: unknown;
  };
  const what = (yamlCode === undefined ? undefined : reasons[yamlCode]) ?? 'a syntax error';
  const where =
    typeof line === 'number' && typeof col === 'number' ? ` at line ${line}, column ${col}` : '';
  return {
    reason: `YAML: ${what}${where}${yamlCode === undefined ? '' : ` (${yamlCode})`}`,
    ...(typeof line === 'number' ? { line } : {}),
    ...(typeof col === 'number' ? { column: col } : {}),
    ...(yamlCode === undefined ? {} : { yamlCode }),
  };
}
