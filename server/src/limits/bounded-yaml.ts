// YAML that a config file or a NetworkAttachmentDefinition manifest holds, read within bounds.
// The yaml library composes nested collections recursively: 5000 nested `[` abort node itself
// (a fatal out-of-memory in V8's stack guard, which no try/catch sees), and `- - - …` nests
// deeper still in a few bytes. So the nesting is measured first with yaml's own lexer and
// parser, which work without recursion; and aliases are capped (billion laughs).
import { Lexer, parseAllDocuments, Parser, type Document } from "yaml";

/** Aliases resolved per document: far above real use, far below an exponential blow-up. */
export const MAX_YAML_ALIASES = 100;

const COLLECTIONS = new Set(["block-map", "block-seq", "flow-collection"]);

/** Deepest nesting of collections in YAML `text`; stops at the first point deeper than `limit`. Nothing is composed. */
export function yamlTextDepth(text: string, limit: number): number {
  // Fed one lexeme at a time, the parser's stack is the path to the current token.
  const parser = new Parser();
  let deepest = 0;
  for (const lexeme of new Lexer().lex(text)) {
    for (const _token of parser.next(lexeme)) {
      // Finished top-level tokens are not needed.
    }
    if (parser.stack.length > deepest) {
      const depth = parser.stack.filter((t) => COLLECTIONS.has(t.type)).length;
      if (depth > deepest && (deepest = depth) > limit) return deepest;
    }
  }
  return deepest;
}

export type YamlDocument = { readonly value: unknown } | { readonly problem: string };

/**
 * Every document of `text` as plain data, or why it cannot be read: a syntax error (its first
 * line, which names line and column), too many aliases. Throws nothing; call yamlTextDepth first.
 */
export function readYamlDocuments(text: string): YamlDocument[] {
  return parseAllDocuments(text).map((doc: Document.Parsed) => {
    const error = doc.errors[0];
    if (error !== undefined) return { problem: `${(error.message.split("\n")[0] ?? "").replace(/:$/, "")}` };
    try {
      return { value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown };
    } catch (err) {
      return { problem: (err as Error).message };
    }
  });
}
