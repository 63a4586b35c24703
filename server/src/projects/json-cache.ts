/** A project's JSON without what depends on the reader: the role and member count go between `head` and `times`. */
export type ProjectJson = { head: string; times: string };

/**
 * The kept JSON of recently listed projects (decision 0007), by project id, each at one version of
 * its row's json_version. A lookup at any other version misses, so an update is never served from
 * here: the page query reads every row's current version. Least recently used entries go first
 * once `capacity` is reached.
 */
export class ProjectJsonCache {
  private readonly entries = new Map<string, { version: string; json: ProjectJson }>();
  private readonly capacity: number;

  constructor(capacity = 20_000) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.size;
  }

  get(id: string, version: string): ProjectJson | undefined {
    const entry = this.entries.get(id);
    if (entry?.version !== version) return undefined;
    // A Map iterates in insertion order: inserting again makes this the most recently used.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return entry.json;
  }

  set(id: string, version: string, json: ProjectJson) {
    this.entries.delete(id);
    this.entries.set(id, { version, json });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}
