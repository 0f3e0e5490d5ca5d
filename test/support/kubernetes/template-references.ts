/** Every `${NAME}` and `${{NAME}}` a template value refers to: what its parameters must declare. */
export function templateReferences(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') for (const m of value.matchAll(/\$\{\{?([A-Za-z0-9_]+)\}?\}/g)) found.add(m[1]!);
  else if (Array.isArray(value)) value.forEach((v) => templateReferences(v, found));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => templateReferences(v, found));
  return found;
}
