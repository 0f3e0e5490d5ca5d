/**
 * The names of one layer's hard-linked files, grouped by file: a union-find over its link headers
 * (a link names an earlier name of the same layer, usually the file's first; chains are followed).
 * A group can be marked, and the mark stays with the group as it grows.
 */
export class LinkGroups {
  private readonly parent = new Map<string, string>();
  private readonly marks = new Set<string>();

  private root(name: string): string {
    let current = name;
    for (let next = this.parent.get(current); next !== undefined && next !== current; next = this.parent.get(current)) current = next;
    if (current !== name) this.parent.set(name, current);
    return current;
  }

  union(a: string, b: string): void {
    for (const name of [a, b]) if (!this.parent.has(name)) this.parent.set(name, name);
    const [x, y] = [this.root(a), this.root(b)];
    if (x === y) return;
    this.parent.set(x, y);
    if (this.marks.delete(x)) this.marks.add(y);
  }

  mark(name: string): void {
    this.marks.add(this.root(name));
  }

  marked(name: string): boolean {
    return this.parent.has(name) && this.marks.has(this.root(name));
  }

  groups(): string[][] {
    const groups = new Map<string, string[]>();
    for (const name of this.parent.keys()) {
      const root = this.root(name);
      groups.set(root, [...(groups.get(root) ?? []), name]);
    }
    return [...groups.values()];
  }
}
