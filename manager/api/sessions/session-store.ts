import { createHash, createHmac, randomBytes } from 'node:crypto'
import type { ConsoleSection } from '../../config/console.ts'
import { MemorySessionRecords, type Expiry, type SessionRecords } from './session-records.ts'

/**
 * The web console's sign-in sessions. A session is created when an API token is exchanged for it (POST
 * /console/sign-in) and holds the token's id, never the token. Its id (256 random bits) is given to the browser
 * once, in the cookie; the records (session-records.ts: memory, SQLite or the shared PostgreSQL database) are keyed
 * by the id's SHA-256, so a dump of them holds no usable id. The session's CSRF token is derived from the id
 * (HMAC-SHA-256 keyed by the id): every replica that is shown the cookie can render it, and the records keep only
 * its SHA-256. A session ends after `idleMs` without use, `maxAgeMs` after creation, when ended (sign-out), or when
 * evicted: beyond `maxSessions` sessions the oldest one goes. Whether its token still exists is checked on every
 * use by api/auth.ts.
 *
 * Idle time is recorded at most once per `touchMs` (default one minute), so a busy session does not write on every
 * request: the recorded last use lags the real one by less than `touchMs`, and an idle session ends between
 * `idleMs - touchMs` and `idleMs` after its last request (29 to 30 minutes with the defaults).
 */

const ID_BYTES = 32
const CSRF_LABEL = 'amt-console-csrf-v1'

/** A live session as a request sees it. */
export interface ActiveSession {
  /** The id of the API token the session was opened with (api/tokens). */
  tokenId: string
  /** The synchronizer token every state-changing call of the session must carry (api/sessions/csrf.ts). */
  csrfToken: string
  /** Its SHA-256, as stored: what a presented token's hash is compared with. */
  csrfHash: string
}

export interface SessionStoreOptions {
  idleMs: number
  maxAgeMs: number
  maxSessions: number
  /** Mark the cookie Secure even for a request over plain HTTP (behind a TLS-terminating proxy). */
  secureCookie: boolean
  /** Where the records live; default in this process's memory. */
  records?: SessionRecords
  /** A use records the time only when the recorded one is at least this old; default 60 s. */
  touchMs?: number
  /** The clock, in ms (tests move it). */
  now?: () => number
}

export class SessionStore {
  readonly secureCookie: boolean
  readonly #records: SessionRecords
  readonly #limits: { idleMs: number; maxAgeMs: number; maxSessions: number; touchMs: number }
  readonly #now: () => number

  constructor(options: SessionStoreOptions) {
    const { secureCookie, records = new MemorySessionRecords(), touchMs = 60_000, now = Date.now } = options
    this.secureCookie = secureCookie
    this.#records = records
    this.#limits = { idleMs: options.idleMs, maxAgeMs: options.maxAgeMs, maxSessions: options.maxSessions, touchMs }
    this.#now = now
  }

  /** Stored sessions (expired ones not yet pruned included). */
  count(): Promise<number> {
    return this.#records.count()
  }

  /** Opens a session for a verified token; returns its id (for the cookie only) and its CSRF token. */
  async create(tokenId: string): Promise<{ id: string } & ActiveSession> {
    const now = this.#now()
    const id = randomBytes(ID_BYTES).toString('base64url')
    const csrfToken = csrfTokenOf(id)
    const csrfHash = sha256(csrfToken)
    const record = { idHash: sha256(id), tokenId, csrfHash, createdAt: now, lastUsedAt: now }
    await this.#records.insert(record, this.#expiry(now), this.#limits.maxSessions)
    return { id, tokenId, csrfToken, csrfHash }
  }

  /** The live session of a cookie's id; null (and deleted) when expired or unknown. Records use (see touchMs). */
  async use(id: string): Promise<ActiveSession | null> {
    const idHash = sha256(id)
    const record = await this.#records.get(idHash)
    if (record === null) return null
    const now = this.#now()
    const expiry = this.#expiry(now)
    if (record.createdAt < expiry.createdBefore || record.lastUsedAt < expiry.usedBefore) {
      await this.#records.remove(idHash)
      return null
    }
    if (now - record.lastUsedAt >= this.#limits.touchMs) await this.#records.touch(idHash, now)
    return { tokenId: record.tokenId, csrfToken: csrfTokenOf(id), csrfHash: record.csrfHash }
  }

  /** Ends a session (sign-out, or its token is gone), on every replica sharing the records. */
  async end(id: string): Promise<void> {
    await this.#records.remove(sha256(id))
  }

  #expiry(now: number): Expiry {
    return { createdBefore: now - this.#limits.maxAgeMs, usedBefore: now - this.#limits.idleMs }
  }
}

/** The store configured by `api.console` (manager/config/console.ts) over `records`. */
export function createSessionStore(config: ConsoleSection, records?: SessionRecords, now?: () => number): SessionStore {
  return new SessionStore({
    idleMs: config.sessionIdleMinutes * 60_000,
    maxAgeMs: config.sessionMaxHours * 3_600_000,
    maxSessions: config.maxSessions,
    secureCookie: config.secureCookie,
    ...(records === undefined ? {} : { records }),
    ...(now === undefined ? {} : { now }),
  })
}

/** SHA-256, base64url: how ids and CSRF tokens are stored and compared. */
export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64url')

/** The session's CSRF token: only a holder of the session id can compute it; its records cannot. */
const csrfTokenOf = (id: string): string => createHmac('sha256', id).update(CSRF_LABEL).digest('base64url')
