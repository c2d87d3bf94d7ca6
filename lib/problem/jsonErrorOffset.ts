// SPDX-License-Identifier: MIT
// Offset of the first JSON syntax error in a text. Only used to report where JSON.parse failed,
// since V8's messages give a position for some errors and not others. Iterative (an explicit
// stack), so deeply nested input cannot overflow the call stack.

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** The offset where the text stops being valid JSON (its length if it ends too early, or is valid). */
export function jsonErrorOffset(s: string): number {
  let i = 0;
  const stack: ('{' | '[')[] = [];
  const ws = (): void => {
    while (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r') i++;
  };
  const string = (): boolean => {
    if (s[i] !== '"') return false;
    for (i++; i < s.length; ) {
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false; // raw control characters must be escaped
      if (c !== 0x5c) {
        i++;
        continue;
      }
      ESCAPE.lastIndex = i;
      if (!ESCAPE.test(s)) return false;
      i = ESCAPE.lastIndex;
    }
    return false;
  };
  const key = (): boolean => {
    ws();
    if (!string()) return false;
    ws();
    if (s[i] !== ':') return false;
    i++;
    return true;
  };

  let expectValue = true;
  for (;;) {
    ws();
    const c = s[i];
    if (expectValue) {
      if (c === '{' || c === '[') {
        i++;
        ws();
        if (s[i] === (c === '{' ? '}' : ']')) {
          i++;
          expectValue = false;
        } else {
          stack.push(c);
          if (c === '{' && !key()) return i;
        }
        continue;
      }
      if (c === '"') {
        if (!string()) return i;
      } else if (s.startsWith('true', i) || s.startsWith('null', i)) {
        i += 4;
      } else if (s.startsWith('false', i)) {
        i += 5;
      } else {
        NUMBER.lastIndex = i;
        if (!NUMBER.test(s)) return i;
        i = NUMBER.lastIndex;
      }
      expectValue = false;
      continue;
    }
    if (stack.length === 0) return i; // end of a complete value: valid if nothing follows
    const top = stack[stack.length - 1];
    if (c === ',') {
      i++;
      if (top === '{' && !key()) return i;
      expectValue = true;
    } else if (c === (top === '{' ? '}' : ']')) {
      i++;
      stack.pop();
    } else {
      return i;
    }
  }
}

/** "line:column" of a JSON syntax error. V8 names the offset only for some errors, so find it ourselves. */
export function jsonErrorPosition(text: string, err: unknown): string {
  const fromMessage = /at position (\d+)/.exec(String((err as Error)?.message));
  const offset = fromMessage ? Number(fromMessage[1]) : jsonErrorOffset(text);
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}
