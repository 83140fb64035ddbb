import { silentLogger, type Logger } from '../../lib/log.ts'
import { groupByTenant } from '../inventory/group-by-tenant.ts'
import type {
  AmtPasswordSource,
  PasswordAnswer,
  PasswordRestorer,
  PasswordRotator,
  ProvisioningPreparer,
  RotationAsk,
  StagedRotation,
} from '../ports/provisioning.ts'
import { candidateAnswer, listCandidates, restoreCandidate, rotationCandidates } from './candidate-answers.ts'
import type { Host, HostKey, Inventory } from '../inventory/port.ts'
import { SecretStoreError, isSecretStoreError } from './errors.ts'
import { passwordCandidates, type PasswordCandidate } from './password-candidates.ts'
import { amtPasswordProblems, DEFAULT_PASSWORD_LENGTH, generateAmtPassword } from './passwords.ts'
import type { AmtSecret, SecretStore } from './port.ts'
import { reveal, type SecretInput } from './vault-auth.ts'

/** A static-policy password from config. */
interface StaticPasswordConfig {
  amtPassword: SecretInput
  mebxPassword?: SecretInput
}

export interface AmtPasswordSourceDeps {
  store: SecretStore
  inventory: Pick<Inventory, 'getTenant'>
  /** Default: silent (pass the manager's logger). */
  log?: Logger
  /**
   * The `passwords` config section as the YAML names it: `static` — static-policy passwords by tenant id, `*` for
   * every static tenant without its own (absent: generated once); `length` — of generated passwords, 8-32.
   */
  passwords?: { static?: Readonly<Record<string, StaticPasswordConfig>>; length?: number }
  /**
   * Hosts prepared at once. Default: Vault 64 parallel requests; the local store every host of the call at once — it
   * commits the writes of one event-loop turn together (one fsync), so a chunk of 500 hosts costs one turn and one
   * fsync instead of eight, each waiting behind the ingest's batch of that turn during a wave.
   */
  concurrency?: number
}

/** A host's AMT password as the API shows it: its own (random policy) or its tenant's (static policy). */
export interface HostPassword {
  origin: 'host' | 'tenant'
  password: string
  mebxPassword: string | null
}

export interface AmtPasswords extends AmtPasswordSource, ProvisioningPreparer, PasswordRestorer, PasswordRotator {
  /** The password the host has (or will get); null when none is stored. Throws SecretStoreError. */
  readHostPassword(key: HostKey): Promise<HostPassword | null>
  /** The tenant's static password, stored first when missing (config or generated). For RPS profiles. */
  ensureTenantPassword(tenantId: string): Promise<AmtSecret>
  /**
   * The passwords to try after AMT refused one (password-candidates.ts): the host's versions newest first, then
   * the tenant's; `limit` host versions at most. Throws SecretStoreError.
   */
  candidatesFor(key: HostKey, options?: { limit?: number }): Promise<PasswordCandidate[]>
}

/** Parallel Vault requests while preparing many hosts. */
const VAULT_CONCURRENCY = 64

/**
 * The manager's password logic over a SecretStore (docs/secrets.md):
 * - lookup: the host's own secret, else its tenant's; secret/req (MQTT), the gRPC bridge and the API use it.
 *   secret/req answers name the candidate (candidate-answers.ts): 0 is the lookup's, 1.. the other known passwords.
 * - prepare (before desired PROVISIONED is written): `random` tenants get a CSPRNG password per host, stored
 *   create-only (a repeated request keeps it; a concurrent replica's write wins once); `static` tenants get their
 *   tenant password stored once (config, else generated), and a host not yet provisioned whose own (older,
 *   random) secret differs is given the tenant's, so the lookup answers what activation will set.
 *   A host already PROVISIONED keeps what it has. Any store failure aborts the preparation: nothing is written.
 */
export function createAmtPasswordSource({
  store,
  inventory,
  log: parentLog = silentLogger(),
  passwords: { static: staticPasswords = {}, length: passwordLength = DEFAULT_PASSWORD_LENGTH } = {},
  concurrency = store.kind === 'local' ? Number.POSITIVE_INFINITY : VAULT_CONCURRENCY,
}: AmtPasswordSourceDeps): AmtPasswords {
  const log = parentLog.child({ module: 'passwords' })
  checkStaticPasswords(staticPasswords)
  generateAmtPassword(passwordLength) // validates the length once, at start
  const newSecret = (): AmtSecret => ({
    password: generateAmtPassword(passwordLength),
    mebxPassword: generateAmtPassword(passwordLength),
  })
  const warnedMismatch = new Set<string>()

  async function lookup(key: HostKey): Promise<HostPassword | null> {
    const own = await store.getAmtPassword(key)
    if (own) return { origin: 'host', password: own.password, mebxPassword: own.mebxPassword ?? null }
    const shared = await store.getTenantPassword(key.tenantId)
    return shared ? { origin: 'tenant', password: shared.password, mebxPassword: shared.mebxPassword ?? null } : null
  }

  async function ensureTenantPassword(tenantId: string): Promise<AmtSecret> {
    const configured = configuredFor(tenantId)
    const stored = await store.getTenantPassword(tenantId)
    if (stored) {
      if (configured && configured.password !== stored.password && !warnedMismatch.has(tenantId)) {
        warnedMismatch.add(tenantId)
        log.warn(
          { tenantId },
          'the configured static AMT password differs from the stored one; the stored one is kept (hosts were activated with it)',
        )
      }
      return stored
    }
    const candidate = configured ?? newSecret()
    if (await store.putTenantPassword(tenantId, candidate, { onlyIfAbsent: true })) {
      log.info({ tenantId, source: configured ? 'config' : 'generated' }, 'static AMT password stored for the tenant')
      return candidate
    }
    const winner = await store.getTenantPassword(tenantId)
    if (!winner)
      throw new SecretStoreError('SECRET_STORE_UNAVAILABLE', {
        operation: 'write',
        reason: 'the tenant password vanished while it was created',
        tenantId,
      })
    return winner
  }

  function configuredFor(tenantId: string): AmtSecret | undefined {
    const entry = staticPasswords[tenantId] ?? staticPasswords['*']
    if (!entry) return undefined
    return {
      password: reveal(entry.amtPassword),
      ...(entry.mebxPassword === undefined ? {} : { mebxPassword: reveal(entry.mebxPassword) }),
    }
  }

  /** Random policy: the host's own password exists before activation is requested. */
  async function prepareRandom(host: Host): Promise<boolean> {
    if (await store.getAmtPassword(host)) return false
    if (host.currentState === 'PROVISIONED' && (await store.getTenantPassword(host.tenantId))) return false
    return store.putAmtPassword(host, newSecret(), { onlyIfAbsent: true })
  }

  /** Static policy: a not yet provisioned host with an older own secret gets the tenant's. */
  async function prepareStatic(host: Host, tenantSecret: AmtSecret): Promise<boolean> {
    if (host.currentState === 'PROVISIONED') return false
    const own = await store.getAmtPassword(host)
    if (!own || own.password === tenantSecret.password) return false
    await store.putAmtPassword(host, tenantSecret)
    return true
  }

  async function prepare(hosts: readonly Host[]): Promise<void> {
    for (const [tenantId, group] of groupByTenant(hosts)) {
      const { passwordPolicy } = await inventory.getTenant(tenantId)
      let written = 0
      if (passwordPolicy === 'static') {
        const tenantSecret = await ensureTenantPassword(tenantId)
        await forEachLimited(group, concurrency, async (host) => {
          if (await prepareStatic(host, tenantSecret)) written++
        })
      } else {
        await forEachLimited(group, concurrency, async (host) => {
          if (await prepareRandom(host)) written++
        })
      }
      log.info({ tenantId, policy: passwordPolicy, hosts: group.length, written }, 'AMT passwords prepared')
    }
  }

  /** purpose rotate: candidate n of the rotation's candidates, with the new password. */
  async function rotationAnswer(key: HostKey, newVersion: number | undefined, n: number): Promise<PasswordAnswer> {
    const found = newVersion === undefined ? null : await rotationCandidates(store, key, newVersion)
    if (found === null) return { ok: false, error: "the rotation's new AMT password is no longer stored" }
    const answer = candidateAnswer(found.candidates, n)
    return answer.ok ? { ...answer, newPassword: found.newPassword } : answer
  }

  async function getAmtPassword(
    key: HostKey,
    request: { purpose: string; generation: number; candidate?: number } & RotationAsk,
  ): Promise<PasswordAnswer> {
    try {
      if (request.purpose === 'rotate') return await rotationAnswer(key, request.newVersion, request.candidate ?? 0)
      return candidateAnswer(await listCandidates(store, key, await lookup(key)), request.candidate ?? 0)
    } catch (err) {
      if (!isSecretStoreError(err)) throw err
      log.warn(
        {
          ...key,
          purpose: request.purpose,
          generation: request.generation,
          code: err.code,
          reason: err.details.reason,
        },
        'AMT password lookup failed',
      )
      return { ok: false, error: err.message, ...(err.retryable ? { retryable: true as const } : {}) }
    }
  }

  async function candidatesFor(key: HostKey, options: { limit?: number } = {}): Promise<PasswordCandidate[]> {
    const [history, tenant] = await Promise.all([
      store.getAmtPasswordHistory(key, options),
      store.getTenantPassword(key.tenantId),
    ])
    return passwordCandidates(history, tenant)
  }

  /** A new password as the host's newest version; the MEBx password of the current one is kept. Null: none stored. */
  async function stage(key: HostKey): Promise<StagedRotation | null> {
    const [[newest], current] = await Promise.all([store.getAmtPasswordHistory(key, { limit: 1 }), lookup(key)])
    if (current === null) return null
    const previous =
      current.origin === 'host' && newest !== undefined
        ? { origin: 'host' as const, version: newest.version }
        : { origin: 'tenant' as const }
    const password = generateAmtPassword(passwordLength)
    await store.putAmtPassword(key, {
      password,
      ...(current.mebxPassword === null ? {} : { mebxPassword: current.mebxPassword }),
    })
    const [written] = await store.getAmtPasswordHistory(key, { limit: 1 })
    if (written?.secret.password !== password) {
      throw new SecretStoreError('SECRET_STORE_UNAVAILABLE', {
        operation: 'write',
        reason: 'the new AMT password is not the newest version after it was written (a concurrent write?)',
        ...key,
      })
    }
    log.info({ ...key, newVersion: written.version, previous }, 'AMT password staged for a rotation')
    return { newVersion: written.version, previous }
  }

  return {
    getAmtPassword,
    stage,
    revert: (key, previous) => restoreCandidate(store, key, previous),
    prepare,
    readHostPassword: lookup,
    ensureTenantPassword,
    candidatesFor,
    restoreCandidate: (key, candidate) => restoreCandidate(store, key, candidate),
  }
}

function checkStaticPasswords(configured: Readonly<Record<string, StaticPasswordConfig>>): void {
  const problems = Object.entries(configured).flatMap(([tenant, entry]) => [
    ...amtPasswordProblems(reveal(entry.amtPassword)).map(
      (problem) => `passwords.static.${tenant}.amtPassword ${problem}`,
    ),
    ...(entry.mebxPassword === undefined
      ? []
      : amtPasswordProblems(reveal(entry.mebxPassword)).map(
          (problem) => `passwords.static.${tenant}.mebxPassword ${problem}`,
        )),
  ])
  if (problems.length > 0) throw new SecretStoreError('SECRET_STORE_CONFIG_INVALID', { reason: problems.join('; ') })
}

/** Runs `run` over the items, at most `limit` at a time; the first failure is rethrown once all have settled. */
async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const failures: unknown[] = []
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < items.length) {
      const item = items[next++] as T
      try {
        await run(item)
      } catch (err) {
        failures.push(err)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  if (failures.length > 0) throw failures[0]
}
