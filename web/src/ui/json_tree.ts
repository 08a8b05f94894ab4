// Pretty, collapsible JSON: objects and arrays become <details> (open to
// `openDepth`), leaves are JSON-formatted values. Built with DOM nodes and
// textContent only, so agent memory can never inject markup.

export function jsonTree(value: unknown, openDepth = 2, depth = 0, key?: string): HTMLElement {
  const keyEl = (): HTMLElement => {
    const k = document.createElement('span');
    k.className = 'json-key';
    k.textContent = key === undefined ? '' : `${JSON.stringify(key)}: `;
    return k;
  };
  if (value !== null && typeof value === 'object') {
    const isArr = Array.isArray(value);
    const entries = isArr ? (value as unknown[]).map((v, i) => [String(i), v] as const) : Object.entries(value as object);
    const det = document.createElement('details');
    det.className = 'json-node';
    det.open = depth < openDepth;
    const sum = document.createElement('summary');
    if (key !== undefined) sum.append(keyEl());
    const brace = document.createElement('span');
    brace.className = 'json-brace';
    brace.textContent = isArr ? `[ ${entries.length} ]` : `{ ${entries.length} }`;
    sum.append(brace);
    det.append(sum);
    const body = document.createElement('div');
    body.className = 'json-body';
    for (const [k, v] of entries) body.append(jsonTree(v, openDepth, depth + 1, isArr ? undefined : k));
    det.append(body);
    return det;
  }
  const line = document.createElement('div');
  line.className = 'json-leaf';
  if (key !== undefined) line.append(keyEl());
  const v = document.createElement('span');
  v.className = `json-${value === null ? 'null' : typeof value}`;
  v.textContent = JSON.stringify(value) ?? 'undefined';
  line.append(v);
  return line;
}
