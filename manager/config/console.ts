import { z } from 'zod'

/** The defaults of `api.console` (docs/console.md, "Sessions"). */
const CONSOLE_SESSION_DEFAULTS = {
  sessionIdleMinutes: 30,
  sessionMaxHours: 12,
  maxSessions: 10_000,
  secureCookie: false,
} as const

/**
 * `api.console`: the web console's sign-in sessions (manager/api/sessions). A session ends after
 * `sessionIdleMinutes` without a request, `sessionMaxHours` after sign-in, at sign-out, or when its API token is
 * revoked; beyond `maxSessions` live sessions the oldest is ended. `secureCookie`: mark the session cookie Secure
 * even though the request came over plain HTTP (the API listener speaks HTTP; set it behind a TLS-terminating
 * proxy). A request that arrived over TLS always gets a Secure cookie.
 */
export const ConsoleSection = z
  .strictObject({
    sessionIdleMinutes: z.int().min(1).max(1440).default(CONSOLE_SESSION_DEFAULTS.sessionIdleMinutes),
    sessionMaxHours: z.int().min(1).max(720).default(CONSOLE_SESSION_DEFAULTS.sessionMaxHours),
    maxSessions: z.int().min(1).max(1_000_000).default(CONSOLE_SESSION_DEFAULTS.maxSessions),
    secureCookie: z.boolean().default(CONSOLE_SESSION_DEFAULTS.secureCookie),
  })
  .prefault({})
export type ConsoleSection = z.infer<typeof ConsoleSection>
