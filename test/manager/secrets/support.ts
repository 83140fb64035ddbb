import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import type { ExecutionContext } from 'ava'
import { createLogger, silentLogger, type Logger } from '../../../lib/log.ts'
import { keyringOf, type Kek, type Keyring } from '../../../manager/secrets/local-keys.ts'
import { createLocalSecretStore, type LocalSecretStoreOptions } from '../../../manager/secrets/local-sqlite.ts'
import { createVaultSecretStore, type VaultStoreOptions } from '../../../manager/secrets/vault.ts'
import type { Schedule } from '../../../manager/secrets/vault-session.ts'
import type { Dispatch } from '../../../manager/bus/dispatch.ts'
import type { ManagerCore } from '../../../manager/core/manager-core.ts'
import type { HostKey } from '../../../manager/inventory/port.ts'
import { buildTopic, type PayloadOf } from '../../../schemas/index.ts'
import { FakeVault, type FakeVaultOptions } from '../../fakes/vault/fake-vault.ts'
import {
  createAmtPasswordSource,
  type AmtPasswords,
  type AmtPasswordSourceDeps,
} from '../../../manager/secrets/amt-password-source.ts'
import type { SecretStore } from '../../../manager/secrets/port.ts'
import { AgentMessages, startTestCore, type RecordingOutbound, type TestCore } from '../../helpers/manager-core.ts'

/** A temp directory removed in t.teardown. */
export async function tempDir(t: ExecutionContext, prefix = 'amt-secrets-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A random key-encryption key named `id`. */
export const testKek = (id = 'k1'): Kek => ({ id, key: randomBytes(32) })

/** Its text form, as a key file or AMT_MANAGER_SECRETS_KEY holds it. */
export const kekText = (kek: Kek): string => `${kek.id}:${kek.key.toString('base64')}`

/** One keyring for the tests that do not care which key. */
export const TEST_KEYRING: Keyring = keyringOf(testKek('test-kek'))

/** A local SQLite store in a fresh temp directory (`file` there), closed in t.teardown. */
export async function localStore(t: ExecutionContext, options: Partial<LocalSecretStoreOptions> = {}) {
  const file = path.join(await tempDir(t), 'secrets.db')
  const store = createLocalSecretStore({ file, keyring: TEST_KEYRING, ...options })
  t.teardown(() => store.close())
  return Object.assign(store, { file })
}

export async function startFakeVault(t: ExecutionContext, options: FakeVaultOptions = {}): Promise<FakeVault> {
  const vault = await FakeVault.start(options)
  t.teardown(() => vault.close())
  return vault
}

/** Fast retries for tests (no real waiting to speak of). */
const TEST_BACKOFF = { baseMs: 1, maxMs: 2 }

/** The real node-vault adapter against a fake Vault (token auth by default), closed in t.teardown. */
export function vaultStore(t: ExecutionContext, vault: FakeVault, options: Partial<VaultStoreOptions> = {}) {
  const store = createVaultSecretStore({
    address: vault.url,
    auth: { method: 'token', token: vault.issueToken() },
    timeoutMs: 10_000,
    retries: 2,
    backoff: TEST_BACKOFF,
    log: silentLogger(),
    ...options,
  })
  t.teardown(() => store.close())
  return store
}

/** A Schedule that runs nothing by itself: tests look at what was scheduled and fire it. */
export class ManualSchedule {
  readonly pending: Array<{ run: () => void; ms: number; cancelled: boolean }> = []
  readonly schedule: Schedule = (run, ms) => {
    const entry = { run, ms, cancelled: false }
    this.pending.push(entry)
    return { cancel: () => void (entry.cancelled = true) }
  }

  /** The live (not cancelled, not yet fired) entries. */
  live() {
    return this.pending.filter((entry) => !entry.cancelled)
  }

  /** Fires the latest live entry (and forgets it). */
  fire(): void {
    const entry = this.live().at(-1)
    if (!entry) throw new Error('nothing scheduled')
    entry.cancelled = true
    entry.run()
  }
}

/** A debug-level logger whose every line is kept (JSON text). */
export function capturedLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  return { log: createLogger({ name: 'test', level: 'debug', destination }), lines }
}

/**
 * Sends a secret/req as the host's agent (for its desired generation) and resolves with the manager's secret/res. The answer is published
 * once the secret store answered (after the core is idle), so this waits for that publication itself.
 */
export async function askAsAgent(
  { core, dispatch, outbound }: { core: ManagerCore; dispatch: Dispatch; outbound: RecordingOutbound },
  key: HostKey,
  purpose: 'activate' | 'deactivate' = 'activate',
  candidate?: number,
): Promise<PayloadOf<'secret/res'> | undefined> {
  const topic = buildTopic({ ...key, leaf: 'secret/res' })
  const answered = new Promise<PayloadOf<'secret/res'> | undefined>((resolve) => {
    const publish = outbound.publish.bind(outbound)
    outbound.publish = (name, payload, options) => {
      publish(name, payload, options)
      if (name !== topic) return
      outbound.publish = publish
      resolve(outbound.last(key, 'secret/res'))
    }
  })
  // As the agent asks: for the host's desired generation (the manager answers only while an operation needs it).
  const generation = Math.max(1, (await core.getHost(key))?.desiredGeneration ?? 1)
  const asked = { correlationId: randomUUID(), purpose, generation, ...(candidate === undefined ? {} : { candidate }) }
  const request = new AgentMessages(key).encode('secret/req', asked)
  const result = await dispatch(request.topic, request.payload, false)
  if (result.outcome !== 'accepted') return undefined
  return answered
}

/** The real manager core on SQLite with the password source as its secret source and preparer. */
export async function startCore(
  t: ExecutionContext,
  store: SecretStore,
  options: Partial<AmtPasswordSourceDeps> = {},
): Promise<TestCore & { passwords: AmtPasswords }> {
  // The source reads tenants from the core's Inventory, which exists once the core does (called later, lazily).
  const passwords = createAmtPasswordSource({
    store,
    inventory: { getTenant: (id) => core.inventory.getTenant(id) },
    log: silentLogger(),
    ...options,
  })
  const core: TestCore = await startTestCore(t, { secrets: passwords, preparer: passwords, restorer: passwords })
  return { ...core, passwords }
}

/** Asks for desired PROVISIONED as the API does. */
export async function activate(core: TestCore, tenantId: string, hostIds: string[]) {
  return core.core.setDesired(
    { keys: hostIds.map((hostId) => ({ tenantId, hostId })) },
    { state: 'PROVISIONED' },
    'api:test',
  )
}
