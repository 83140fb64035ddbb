import { createHash, randomBytes } from 'node:crypto'
import type { ConsoleSection } from '../../config/console.ts'

/**
 * The web console's sign-in sessions, in memory: one manager process holds them (replicas need a shared store,
 * docs/console.md). A session is created when an API token is exchanged for it (POST /console/sign-in) and holds
 * the token's id, never the token. Its id (256 random bits) is given to the browser once, in the cookie; the store
 * keys sessions by the id's SHA-256, so a dump of the map holds no usable id. A session ends after `idleMs`
 * without use, `maxAgeMs` after creation, when ended (sign-out), or when evicted: beyond `maxSessions` live
 * sessions the oldest one goes. Whether its token still exists is checked on every use by api/auth.ts.
 */

const ID_BYTES = 32

/** A live session as a request sees it. */
export interface ActiveSession {
  /** The id of the API token the session was opened with (api/tokens). */
  tokenId: string
  /** The synchronizer token every state-changing call of the session must carry (api/sessions/csrf.ts). */
  csrfToken: string
}

interface StoredSession extends ActiveSession {
  createdAt: number
  lastUsedAt: number
}

export interface SessionStoreOptions {
  idleMs: number
  maxAgeMs: number
  maxSessions: number
  /** Mark the cookie Secure even for a request over plain HTTP (behind a TLS-terminating proxy). */
  secureCookie: boolean
  /** The clock, in ms (tests move it). */
  now?: () => number
}

export class SessionStore {
  readonly secureCookie: boolean
  readonly #options: Required<Omit<SessionStoreOptions, 'secureCookie'>>
  /** By id digest, in creation order (the first entry is the oldest). */
  readonly #sessions = new Map<string, StoredSession>()

  constructor(options: SessionStoreOptions) {
    const { secureCookie, now = Date.now, ...limits } = options
    this.secureCookie = secureCookie
    this.#options = { ...limits, now }
  }

  /** Live sessions (expired ones not yet dropped included). */
  get size(): number {
    return this.#sessions.size
  }

  /** Opens a session for a verified token; returns its id (for the cookie only) and its CSRF token. */
  create(tokenId: string): { id: string } & ActiveSession {
    const now = this.#options.now()
    if (this.#sessions.size >= this.#options.maxSessions) this.#dropExpired(now)
    for (const key of this.#sessions.keys()) {
      if (this.#sessions.size < this.#options.maxSessions) break
      this.#sessions.delete(key)
    }
    const id = randomBytes(ID_BYTES).toString('base64url')
    const session = { tokenId, csrfToken: randomBytes(ID_BYTES).toString('base64url'), createdAt: now, lastUsedAt: now }
    this.#sessions.set(digest(id), session)
    return { id, tokenId, csrfToken: session.csrfToken }
  }

  /** The live session of a cookie's id, its idle clock restarted; null (and dropped) when expired or unknown. */
  use(id: string): ActiveSession | null {
    const key = digest(id)
    const session = this.#sessions.get(key)
    if (session === undefined) return null
    const now = this.#options.now()
    if (this.#expired(session, now)) {
      this.#sessions.delete(key)
      return null
    }
    session.lastUsedAt = now
    return { tokenId: session.tokenId, csrfToken: session.csrfToken }
  }

  /** Ends a session (sign-out, or its token is gone). */
  end(id: string): void {
    this.#sessions.delete(digest(id))
  }

  #expired(session: StoredSession, now: number): boolean {
    return now - session.lastUsedAt > this.#options.idleMs || now - session.createdAt > this.#options.maxAgeMs
  }

  #dropExpired(now: number): void {
    for (const [key, session] of this.#sessions) if (this.#expired(session, now)) this.#sessions.delete(key)
  }
}

/** The store configured by `api.console` (manager/config/console.ts). */
export function createSessionStore(config: ConsoleSection, now?: () => number): SessionStore {
  return new SessionStore({
    idleMs: config.sessionIdleMinutes * 60_000,
    maxAgeMs: config.sessionMaxHours * 3_600_000,
    maxSessions: config.maxSessions,
    secureCookie: config.secureCookie,
    ...(now === undefined ? {} : { now }),
  })
}

const digest = (id: string): string => createHash('sha256').update(id, 'utf8').digest('base64url')
