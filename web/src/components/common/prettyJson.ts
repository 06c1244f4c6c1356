// Indents JSON text without parsing it into JavaScript values, so that numbers keep
// their exact digits: JSON.parse would round a 64-bit id such as 1534956341424005122.

/** Pretty-prints JSON text with `indent` spaces; returns null when it is not JSON. */
export function prettyJson(text: string, indent = 2): string | null {
  const src = text.trim();
  if (!src || (src[0] !== '{' && src[0] !== '[')) {
    try {
      JSON.parse(src);
      return src;
    } catch {
      return null;
    }
  }
  try {
    JSON.parse(src); // validity only; the values are not used
  } catch {
    return null;
  }
  const out: string[] = [];
  let depth = 0;
  const nl = () => '\n' + ' '.repeat(depth * indent);
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      out.push(src.slice(i, j + 1));
      i = j;
    } else if (c === '{' || c === '[') {
      // Keep empty objects and arrays on one line.
      let j = i + 1;
      while (j < src.length && /\s/.test(src[j])) j++;
      if (src[j] === (c === '{' ? '}' : ']')) {
        out.push(c === '{' ? '{}' : '[]');
        i = j;
      } else {
        depth++;
        out.push(c + nl());
      }
    } else if (c === '}' || c === ']') {
      depth--;
      out.push(nl() + c);
    } else if (c === ',') {
      out.push(',' + nl());
    } else if (c === ':') {
      out.push(': ');
    } else if (!/\s/.test(c)) {
      out.push(c);
    }
  }
  return out.join('');
}
