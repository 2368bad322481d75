// Parses an app name, `path/to/module[.ts|.mjs|...][:attr]`, `module:create()`
// or `module:create("x", 2)`, as Gunicorn does for WSGI apps. Pure.

export interface AppSpec {
  readonly module: string;
  /** The export to use, possibly dotted (`app.handler`). */
  readonly attr: readonly string[];
  /** Literal arguments when the attr is a factory to call; null when it is not called. */
  readonly args: readonly unknown[] | null;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;

export function parseAppSpec(spec: string): AppSpec {
  const s = spec.trim();
  const callMatch = /:([A-Za-z_$][\w$.]*)\s*\((.*)\)\s*$/s.exec(s);
  let module: string;
  let attrText: string;
  let args: unknown[] | null = null;
  if (callMatch) {
    module = s.slice(0, callMatch.index);
    attrText = callMatch[1]!;
    args = parseLiteralArgs(callMatch[2]!);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon > 0 && IDENT.test(s.slice(colon + 1).split('.')[0] ?? '')) {
      module = s.slice(0, colon);
      attrText = s.slice(colon + 1);
    } else {
      module = s;
      attrText = 'default';
    }
  }
  if (!module) throw new Error(`"${spec}" names no module; write path/to/app.ts[:attr]`);
  const attr = attrText.split('.');
  if (!attr.every((a) => IDENT.test(a))) throw new Error(`"${attrText}" is not an export name in "${spec}"`);
  return { module, attr, args };
}

/** Parses `"x", 2, true, null, 'y'` into values; anything else is refused. */
export function parseLiteralArgs(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  skip();
  if (i === text.length) return out;
  for (;;) {
    skip();
    const rest = text.slice(i);
    const str = /^("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/.exec(rest);
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    const word = /^(true|false|null)\b/.exec(rest);
    if (str) {
      const body = str[1]!.slice(1, -1);
      out.push(JSON.parse(`"${body.replace(/\\'/g, "'").replace(/(?<!\\)"/g, '\\"')}"`));
      i += str[0].length;
    } else if (num) {
      out.push(Number(num[0]));
      i += num[0].length;
    } else if (word) {
      out.push(JSON.parse(word[1]!));
      i += word[0].length;
    } else {
      throw new Error(`factory arguments must be literals (strings, numbers, true, false, null), not "${rest.trim()}"`);
    }
    skip();
    if (i === text.length) return out;
    if (text[i] !== ',') throw new Error(`expected "," between factory arguments at "${text.slice(i)}"`);
    i++;
  }
}
