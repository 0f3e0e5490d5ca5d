/**
 * The coercion of every repeatable string option (--env, --volume, --allowed-uids): yargs gives one
 * string, or an array when the flag is repeated; the handler always gets an array.
 */
export function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return value === undefined ? [] : [String(value)];
}
