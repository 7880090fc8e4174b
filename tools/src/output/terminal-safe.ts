// What netattachctl writes goes to an operator's terminal, and much of it is the daemon's text:
// pod and network names, error messages, plugins' stderr, which reach the daemon from pod
// annotations, network definitions and plugins. An escape sequence in them would reach the
// terminal as a command (set the title, clear the screen, hide the lines before it, rewrite a
// line with \r). Every write is made visible instead: a control character, or a bidirectional
// override that reorders what is shown, prints as its \u escape (\u001b, \u202e). Tab and
// newline stay. The escape is JSON's and YAML's own: -o json|yaml documents read back the same.
import type { Output } from "../command.js";

// eslint-disable-next-line no-control-regex -- control characters are exactly what is made visible
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

export function terminalSafeText(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `out`, every chunk written through terminalSafeText. */
export function terminalSafe(out: Output): Output {
  return { write: (chunk: string) => out.write(terminalSafeText(chunk)) };
}
