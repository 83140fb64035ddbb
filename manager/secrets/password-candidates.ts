import type { AmtSecret, AmtSecretVersion } from './port.ts'

/** One AMT password to try, and where it comes from (never logged with the password). */
export interface PasswordCandidate {
  origin: 'host' | 'tenant'
  /** The host secret's version; absent for the tenant's password. */
  version?: number
  password: string
}

/**
 * The passwords to try, in order, when AMT refused the one used (an authentication error): the host's versions
 * as the store lists them, newest first (the current one, then the previous ones), then the tenant's static
 * password. A password is listed once, at its first place (a host given the tenant's password, a version that
 * repeats an older one). Pure: the caller reads the history and the tenant's secret, and tries them with a delay.
 */
export function passwordCandidates(
  history: readonly AmtSecretVersion[],
  tenant: AmtSecret | null,
): PasswordCandidate[] {
  const newestFirst = [...history].sort((a, b) => b.version - a.version)
  const all: PasswordCandidate[] = [
    ...newestFirst.map(({ version, secret }) => ({ origin: 'host' as const, version, password: secret.password })),
    ...(tenant ? [{ origin: 'tenant' as const, password: tenant.password }] : []),
  ]
  const seen = new Set<string>()
  return all.filter(({ password }) => {
    if (seen.has(password)) return false
    seen.add(password)
    return true
  })
}
