import { notFound, type FakeAnswer } from '../fault-server.ts'

/**
 * How RPS keeps its rows (PostgreSQL): names case-insensitive (citext), a `version` on every record — PostgreSQL's
 * `xmin`, the id of the transaction that last wrote the row, so it changes on every write and is shared by nothing
 * else — and replacements (`PATCH`) that update `WHERE xmin = <version sent>`: a missing or stale version updates
 * nothing and RPS answers 409 with the current record (rps handleError, CONCURRENCY_EXCEPTION). Answers never
 * contain passwords or the provisioning certificate.
 */

export type Stored = Record<string, unknown>

const SECRET_FIELDS = ['password', 'amtPassword', 'mebxPassword', 'provisioningCert', 'provisioningCertPassword']
export const publicView = (stored: Stored): Stored =>
  Object.fromEntries(Object.entries(stored).filter(([key]) => !SECRET_FIELDS.includes(key)))
export const keyOf = (name: string): string => name.toLowerCase()

/** RPS's answer to a POST of an existing name (a PostgreSQL unique_violation): 400, not 409. */
export const duplicate = (message: string): FakeAnswer => ({
  status: 400,
  json: { error: 'Unique key violation', message },
})

export class RecordStore {
  readonly #rows = new Map<string, Stored>()
  readonly #nextVersion: () => string

  constructor(nextVersion: () => string) {
    this.#nextVersion = nextVersion
  }

  get size(): number {
    return this.#rows.size
  }

  get(name: string): Stored | undefined {
    return this.#rows.get(keyOf(name))
  }

  has(name: string): boolean {
    return this.#rows.has(keyOf(name))
  }

  values(): Stored[] {
    return [...this.#rows.values()]
  }

  keys(): string[] {
    return [...this.#rows.keys()]
  }

  delete(name: string): boolean {
    return this.#rows.delete(keyOf(name))
  }

  clear(): void {
    this.#rows.clear()
  }

  /** INSERT: the row gets a fresh version. */
  insert(name: string, fields: Stored): Stored {
    const stored = { ...fields, version: this.#nextVersion() }
    this.#rows.set(keyOf(name), stored)
    return stored
  }

  /** Another writer's UPDATE (tests): the row's version moves on, as after any committed write. */
  touch(name: string): void {
    const stored = this.get(name)
    if (stored) stored.version = this.#nextVersion()
  }

  /**
   * UPDATE ... WHERE xmin = version: 404 when absent, 409 with the current record when the version sent is
   * missing or stale, else 200 with the row as `merge` makes it (from the old row) under a fresh version.
   */
  update(name: string, version: unknown, merge: (old: Stored) => Stored, what: string): FakeAnswer {
    const old = this.get(name)
    if (!old) return notFound(`${what} ${name} Not Found`)
    const sent = typeof version === 'string' || typeof version === 'number' ? String(version) : undefined
    if (sent !== old.version) return { status: 409, json: publicView(old) }
    return { status: 200, json: publicView(this.insert(name, merge(old))) }
  }
}
