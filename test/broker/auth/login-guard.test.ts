import type { PeerCertificate } from 'node:tls'
import test from 'ava'
import { fingerprint } from '../../../broker/log-safe.ts'
import type { CredentialStore } from '../../../broker/auth/credentials.ts'
import { KdfBusyError } from '../../../broker/auth/kdf-lanes.ts'
import { LoginGuard, type LoginGuardOptions } from '../../../broker/auth/login-guard.ts'
import type { Principal } from '../../../broker/auth/principal.ts'
import { BrokerRejection } from '../../../broker/rejection.ts'
import { createLogger } from '../../../lib/log.ts'

/** A store that knows one password per name and counts the checks it was asked for (each would cost a KDF run). */
class CountingStore implements CredentialStore {
  checks = 0
  busy = false
  readonly #passwords: Map<string, string>

  constructor(passwords: Record<string, string>) {
    this.#passwords = new Map(Object.entries(passwords))
  }

  verifyPassword(username: string, password: Buffer | string): Promise<Principal | null> {
    this.checks += 1
    if (this.busy) return Promise.reject(new KdfBusyError())
    const ok = this.#passwords.get(username) === password.toString()
    return Promise.resolve(ok ? { id: username, role: 'integrator' } : null)
  }

  principalForCertificate(_cert: PeerCertificate): Principal | null {
    return null
  }
}

function guarded(passwords: Record<string, string>, options: Partial<LoginGuardOptions> = {}) {
  const clock = { now: 1_000_000 }
  const lines: { msg: string; username?: string; lockedForMs?: number }[] = []
  const log = createLogger({
    name: 'test',
    level: 'info',
    destination: { write: (text: string) => void lines.push(JSON.parse(text) as (typeof lines)[number]) },
  })
  const store = new CountingStore(passwords)
  const guard = new LoginGuard(store, { log, now: () => clock.now, ...options })
  /** The outcome of one attempt: the principal's id, null (wrong), or the refusal's reason. */
  const attempt = (username: string, password: string): Promise<string | null> =>
    guard.verifyPassword(username, password).then(
      (principal) => principal?.id ?? null,
      (err: unknown) => {
        if (err instanceof BrokerRejection) return err.reason
        throw err
      },
    )
  return { clock, lines, store, guard, attempt }
}

test('after 5 failures a name is refused without any check for a backoff that doubles up to its cap', async (t) => {
  const { clock, lines, store, attempt } = guarded({ reader: 'right' })
  for (let i = 0; i < 5; i++) t.is(await attempt('reader', `wrong ${i}`), null)
  t.is(store.checks, 5)
  t.is(await attempt('reader', 'right'), 'login-locked', 'even the right password waits for the backoff')
  t.is(store.checks, 5, 'refused without a check')
  // the name may be a password typed into the wrong field: the log holds its fingerprint (broker/log-safe.ts)
  t.deepEqual(
    lines.map((line) => [line.username, line.lockedForMs]),
    [[fingerprint('reader'), 1_000]],
    'one line per lockout',
  )

  const backoffs: number[] = []
  for (let lockout = 0; lockout < 7; lockout++) {
    clock.now += 60_000 - 1 // past any backoff, still within the failure window
    for (let i = 0; i < 5; i++) await attempt('reader', 'wrong')
    backoffs.push(lines.at(-1)?.lockedForMs ?? 0)
  }
  t.deepEqual(backoffs, [2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000])
  clock.now += 29_999
  t.is(await attempt('reader', 'right'), 'login-locked')
  clock.now += 1
  t.is(await attempt('reader', 'right'), 'reader', 'the backoff has ended')
})

test('a success resets the name; a quiet window forgets its failures', async (t) => {
  const { clock, attempt } = guarded({ reader: 'right' })
  for (let i = 0; i < 4; i++) await attempt('reader', 'wrong')
  t.is(await attempt('reader', 'right'), 'reader')
  for (let i = 0; i < 4; i++) t.is(await attempt('reader', 'wrong'), null, 'counting starts again from zero')
  clock.now += 60_000
  for (let i = 0; i < 4; i++)
    t.is(await attempt('reader', 'wrong'), null, 'a window without failures forgets the earlier ones')
  t.is(await attempt('reader', 'right'), 'reader')
})

test('unknown names are locked like known ones: a lockout does not tell whether a name exists', async (t) => {
  const { attempt } = guarded({ reader: 'right' })
  for (let i = 0; i < 5; i++) await Promise.all([attempt('reader', 'wrong'), attempt('nobody', 'wrong')])
  t.deepEqual(await Promise.all([attempt('reader', 'x'), attempt('nobody', 'x')]), ['login-locked', 'login-locked'])
})

test('device-shaped names are never locked: anyone may know a host id, a device password is never guessed', async (t) => {
  const { store, attempt, guard } = guarded({ 'h1@t1': 'device secret' })
  for (let i = 0; i < 50; i++) t.is(await attempt('h1@t1', 'wrong'), null)
  t.is(await attempt('h1@t1', 'device secret'), 'h1@t1')
  t.is(store.checks, 51)
  t.is(guard.trackedNames, 0)
})

test('memory stays bounded: at most maxTrackedNames names, the least recently failed forgotten first', async (t) => {
  const { guard, attempt } = guarded({}, { maxTrackedNames: 100 })
  for (let i = 0; i < 1_000; i++) await attempt(`random-${i}`, 'x')
  t.is(guard.trackedNames, 100)
})

test('a full expensive lane is a refusal as busy, not a wrong password, and is no failure of the name', async (t) => {
  const { store, attempt, guard } = guarded({ reader: 'right' })
  store.busy = true
  for (let i = 0; i < 10; i++) t.is(await attempt('reader', 'right'), 'login-busy')
  t.is(guard.trackedNames, 0)
  store.busy = false
  t.is(await attempt('reader', 'right'), 'reader')
})
