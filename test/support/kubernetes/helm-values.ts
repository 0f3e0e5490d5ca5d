/**
 * How Helm merges a user's values into a chart's defaults before it validates them against the
 * chart's schema and renders the chart (helm's pkg/chartutil/coalesce.go, `coalesceTablesFullKey`;
 * Helm's documentation, "Values Files" and "Deleting a default key"): the user's maps merge into the
 * defaults key by key, at every depth; a user's scalar or list replaces the default whole; a user's
 * `null` for a key the defaults have deletes the key. Where Helm only warns (a map against a scalar),
 * this throws: generated values must never do that.
 */

export type Values = Record<string, unknown>;

const isTable = (value: unknown): value is Values => value !== null && typeof value === 'object' && !Array.isArray(value);

function coalesceTables(user: Values, defaults: Values, prefix: string): void {
  for (const [key, value] of Object.entries(defaults)) {
    const path = `${prefix}${key}`;
    if (!(key in user)) {
      user[key] = value;
      continue;
    }
    const mine = user[key];
    if (mine === null) delete user[key];
    else if (isTable(value)) {
      if (!isTable(mine)) throw new Error(`${path}: a table in the chart's defaults, ${JSON.stringify(mine)} in the values (helm ignores it)`);
      coalesceTables(mine, value, `${path}.`);
    } else if (isTable(mine) && value !== null) {
      throw new Error(`${path}: a table in the values, ${JSON.stringify(value)} in the chart's defaults (helm ignores the table)`);
    }
    // Otherwise the user's scalar or list stands.
  }
}

/** The values Helm renders the chart with: `user` coalesced into `defaults` (neither is changed). */
export function helmCoalesce(defaults: Values, user: Values): Values {
  const merged = structuredClone(user);
  coalesceTables(merged, structuredClone(defaults), '');
  return merged;
}
