import { MAX_PASSWORD_CANDIDATES } from '../../schemas/messages/secret.ts'
import type { CandidateOrigin, PasswordAnswer, RestoreOutcome } from '../ports/provisioning.ts'
import { passwordCandidates, type PasswordCandidate } from './password-candidates.ts'
import type { AmtSecret, HostKey, SecretStore } from './port.ts'

/** The non-retryable code of a secret/res that names no password: the candidate asked for does not exist. */
const NO_SUCH_CANDIDATE = 'NO_SUCH_CANDIDATE'
const NONE_STORED = 'no AMT password is stored for this host'

/**
 * The host's password candidates in the order the agent tries them (docs/credentials.md): candidate 0 is the
 * password the lookup answers (`current`: the host's own, else its tenant's), then the host's other versions newest
 * first, then the tenant's static password; each password once, at most MAX_PASSWORD_CANDIDATES.
 */
export async function listCandidates(
  store: SecretStore,
  key: HostKey,
  current: { origin: 'host' | 'tenant'; password: string } | null,
): Promise<PasswordCandidate[]> {
  const [history, tenant] = await Promise.all([
    store.getAmtPasswordHistory(key, { limit: MAX_PASSWORD_CANDIDATES }),
    store.getTenantPassword(key.tenantId),
  ])
  const known = passwordCandidates(history, tenant)
  if (current === null) return known.slice(0, MAX_PASSWORD_CANDIDATES)
  const first = known.find(({ password }) => password === current.password) ?? { ...current }
  return [first, ...known.filter((candidate) => candidate !== first)].slice(0, MAX_PASSWORD_CANDIDATES)
}

/** The answer for candidate `n` of the list: the password, where it comes from, whether a further one exists. */
export function candidateAnswer(candidates: readonly PasswordCandidate[], n: number): PasswordAnswer {
  const found = candidates[n]
  if (found === undefined) {
    if (n === 0) return { ok: false, error: NONE_STORED }
    return { ok: false, error: `${NO_SUCH_CANDIDATE}: no password candidate ${n} (${candidates.length} known)` }
  }
  return {
    ok: true,
    password: found.password,
    more: n + 1 < candidates.length,
    origin: found.origin,
    ...(found.version === undefined ? {} : { version: found.version }),
  }
}

/**
 * The candidates of a rotation (purpose rotate) with the password to set: the host's other known passwords in the
 * usual order (candidate 0 the version the rotation replaced, as it was current when staged), the new one last (AMT
 * holds it when an earlier change's confirmation was lost: changing it to itself then confirms it).
 */
export async function rotationCandidates(
  store: SecretStore,
  key: HostKey,
  newVersion: number,
): Promise<{ candidates: PasswordCandidate[]; newPassword: string } | null> {
  const known = await listCandidates(store, key, null)
  const target = known.find((candidate) => candidate.origin === 'host' && candidate.version === newVersion)
  if (target === undefined) return null
  return { candidates: [...known.filter((candidate) => candidate !== target), target], newPassword: target.password }
}

/**
 * Makes the candidate AMT accepted the host's current password again: the host version (or the tenant's secret)
 * is written as the host's newest version, durably, before this resolves. Nothing is written when it is current
 * already, or when the store no longer holds it. Throws SecretStoreError.
 */
export async function restoreCandidate(
  store: SecretStore,
  key: HostKey,
  { origin, version }: CandidateOrigin,
): Promise<RestoreOutcome> {
  const secret = await secretOf(store, key, origin, version)
  if (secret === null) return { restored: false, reason: `the ${describe(origin, version)} is no longer stored` }
  const own = await store.getAmtPassword(key)
  const currentPassword = own?.password ?? (await store.getTenantPassword(key.tenantId))?.password
  if (currentPassword === secret.password)
    return { restored: false, reason: `the ${describe(origin, version)} is the current password already` }
  await store.putAmtPassword(key, secret)
  const [newest] = await store.getAmtPasswordHistory(key, { limit: 1 })
  return { restored: true, version: newest?.version ?? null }
}

async function secretOf(
  store: SecretStore,
  key: HostKey,
  origin: 'host' | 'tenant',
  version: number | undefined,
): Promise<AmtSecret | null> {
  if (origin === 'tenant') return store.getTenantPassword(key.tenantId)
  if (version === undefined) return null
  const history = await store.getAmtPasswordHistory(key)
  return history.find((entry) => entry.version === version)?.secret ?? null
}

const describe = (origin: 'host' | 'tenant', version: number | undefined): string =>
  origin === 'tenant' ? "tenant's password" : `host password version ${version ?? '?'}`
