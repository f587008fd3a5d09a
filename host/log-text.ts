// Text a guest controls (log messages, abort messages) ends up in the daemon's
// output, status answers and the operator's terminal: it must not be able to
// start a line of its own or send terminal escape sequences.

// C0 and C1 controls, DEL, Unicode line/paragraph separators and bidi
// overrides: anything that could end a line, move the cursor, recolour the
// terminal or reorder what the operator reads.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every character that could forge or disturb a log line written as \xNN or \uNNNN. */
export function escapeLogText(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
