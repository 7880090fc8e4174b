// Lone UTF-16 surrogates: text that has no UTF-8 form. JSON escapes ("\ud800") and cuts in the
// middle of a pair make them; encoders turn them into U+FFFD, and encodeURI (grpc-js's status
// message) throws on them. One definition for the spec checks and the daemon's text bounds.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function hasLoneSurrogate(text: string): boolean {
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(text);
}

/** `text` with every lone surrogate replaced by U+FFFD, as a UTF-8 encoder would. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}
