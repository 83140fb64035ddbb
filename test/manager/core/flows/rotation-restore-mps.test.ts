import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../../../lib/log.ts'
import { createManagerCore } from '../../../../manager/core/manager-core.ts'
import type { HostKey, HostPatch } from '../../../../manager/inventory/port.ts'
import { createManagerMetrics } from '../../../../manager/metrics/metrics.ts'
import type { MpsPasswordCopy } from '../../../../manager/ports/provisioning.ts'
import { createAmtPasswordSource } from '../../../../manager/secrets/amt-password-source.ts'
import type { SecretStore } from '../../../../manager/secrets/port.ts'
import { createMpsPasswordCopy } from '../../../../manager/wiring/mps-password-copy.ts'
import {
  AgentMessages,
  capable,
  RecordingOutbound,
  seedHost,
  startTestCore,
  TENANT,
} from '../../../helpers/manager-core.ts'
import { eventually } from '../../../helpers/manager-mqtt.ts'
import { askAsAgent, localStore, startFakeVault, vaultStore } from '../../secrets/support.ts'

// MPS's copy after a rotation the deadline failed while AMT took its new password (docs/credentials.md "Rotation",
// "The race behind the deadline"): when the password candidates find the new password and it becomes current again
// (password.restored), MPS's copy is written as for a confirmed rotation. The real core on SQLite; the store and
// MPS's copy: the real Vault adapters against the fake Vault, where RPS keeps the device secret MPS reads.

const GUID = '4c4c4544-0035-4b10-8030-b4c04f4a5a31'
const KEY: HostKey = { tenantId: TENANT, hostId: 'h-1' }
const V1 = { password: 'Version1!aaaa', mebxPassword: 'Mebx1!aaaaaa' }
const RPS_SECRET = { AMT_PASSWORD: V1.password, MEBX_PASSWORD: V1.mebxPassword, MPS_PASSWORD: 'Mps!Password9' }
const RPS_PATH = `secret/devices/${GUID}`
const MIN = 60_000

/** Activated, its agent on rpc v3, AMT's UUID reported (MPS knows the device by it). */
const PROVISIONED_ON_V3: HostPatch[] = [
  {
    desiredState: 'PROVISIONED',
    currentState: 'PROVISIONED',
    capability: {
      ...{ v: 1, ts: new Date().toISOString(), hostId: KEY.hostId, bootId: 'boot-1', seq: 1 },
      ...capable(),
      amtUuid: GUID,
      rpc: { line: 'v3', version: '3.0.0' },
    },
  },
]

function manualClock(start = Date.now()) {
  let ms = start
  return { now: () => new Date(ms), advance: (by: number) => (ms += by) }
}

/**
 * A core whose rotation timed out: V1 was current, the rotation staged version 2, the deadline failed it and wrote
 * V1 back (version 3). `mpsCopy` of the store, by default the Vault adapter (config rotation.mpsPasswordCopy vault).
 */
async function timedOutRotation(
  t: ExecutionContext,
  options: { store?: SecretStore; mpsCopy?: (store: SecretStore) => MpsPasswordCopy } = {},
) {
  const clock = manualClock()
  const store = options.store ?? (await localStore(t))
  const passwords = createAmtPasswordSource({
    store,
    inventory: { getTenant: (id) => started.inventory.getTenant(id) },
  })
  const vaultCopy = (secrets: SecretStore) =>
    createMpsPasswordCopy(
      {
        rotation: { mpsPasswordCopy: 'vault', rpsVault: { mount: 'secret', devicesPath: 'devices' } },
        dmt: {} as never,
      },
      { store: secrets, inventory: { getHost: (key) => started.inventory.getHost(key) } },
    )
  const mpsCopy = (options.mpsCopy ?? vaultCopy)(store)
  const deps = { now: clock.now, secrets: passwords, restorer: passwords, rotator: passwords, mpsCopy }
  const started = await startTestCore(t, deps)
  await seedHost(started.inventory, KEY.hostId, PROVISIONED_ON_V3)
  await store.putAmtPassword(KEY, V1)
  const { rotation } = await started.core.rotatePassword(KEY, 'api:alice')
  clock.advance(15 * MIN)
  if ((await started.core.checkDeadlines()) !== 1) throw new Error('the deadline did not fail the rotation')
  const newPassword = (await store.getAmtPasswordHistory(KEY)).find(({ version }) => version === 2)?.secret.password
  if (newPassword === undefined) throw new Error('the staged version 2 is gone')
  const agent = new AgentMessages(KEY)
  /** The agent reports that candidate 1 (version 2: the new password) worked, at the desired generation. */
  const reportWorked = async () => {
    const generation = (await started.inventory.getHost(KEY)).desiredGeneration
    const detail = { candidate: 1, origin: 'host', version: 2 }
    const kind = 'secret.candidate-worked'
    const worked = agent.encode('events', { kind, message: 'AMT accepted an older password', generation, detail })
    return started.dispatch(worked.topic, worked.payload, false)
  }
  /** The deactivation that follows: AMT refuses V1 (candidate 0) and takes candidate 1, the new password. */
  const candidateOneWorked = async () => {
    await started.core.setDesired({ keys: [KEY] }, { state: 'UNPROVISIONED' }, 'api:alice')
    const answer = await askAsAgent(started, KEY, 'deactivate', 1)
    if (answer?.ok !== true || answer.password !== newPassword) throw new Error('candidate 1 is not the new password')
    return reportWorked()
  }
  const audited = async (kind: string) =>
    (await started.inventory.listAudit(TENANT, { hostId: KEY.hostId, limit: 500 })).filter((e) => e.kind === kind)
  return { ...started, clock, store, passwords, rotation, newPassword, candidateOneWorked, reportWorked, audited }
}

test("the new password AMT took after the timeout, restored by a candidate: MPS's copy written, audited", async (t) => {
  const vault = await startFakeVault(t)
  const store = vaultStore(t, vault)
  t.is(vault.kv.write(RPS_PATH, { data: RPS_SECRET }).status, 200, 'RPS wrote the device secret at activation')
  const { inventory, rotation, newPassword, candidateOneWorked, reportWorked, audited } = await timedOutRotation(t, {
    store,
  })
  t.like((await inventory.getHost(KEY)).rotation, { state: 'failed', reverted: true, mpsCopy: null })
  t.deepEqual(vault.kv.latest(RPS_PATH), RPS_SECRET, 'a timed-out rotation writes no copy')

  t.like(await candidateOneWorked(), { outcome: 'accepted' })
  await eventually(async () => (await inventory.getHost(KEY)).rotation?.mpsCopy === 'written', 'the copy written')
  t.deepEqual(vault.kv.latest(RPS_PATH), { ...RPS_SECRET, AMT_PASSWORD: newPassword }, "RPS's other keys kept")
  const stored = (await inventory.getHost(KEY)).rotation
  t.like(stored, { id: rotation.id, state: 'failed', reverted: true, mpsCopy: 'written' })
  t.regex(stored?.restoredAt ?? '', /^\d{4}-\d\d-\d\dT/)
  const history = await store.getAmtPasswordHistory(KEY)
  t.is(history[0]?.secret.password, newPassword, 'the new password is current again (a new version)')
  t.is(history[0]?.version, 4)
  t.is((await audited('password.restored')).length, 1)
  const copied = await audited('password.mps-copied')
  t.is(copied.length, 1)
  t.like(copied[0], {
    actor: 'manager',
    class: 'security',
    detail: { rotationId: rotation.id, newVersion: 2, mpsCopy: 'written', restoredAt: stored?.restoredAt },
  })
  const trail = JSON.stringify(await inventory.listAudit(TENANT, { hostId: KEY.hostId, limit: 500 }))
  t.false(trail.includes(newPassword) || trail.includes(V1.password), 'no password in the audit')

  // The same report again (an agent retrying): the password is current already, nothing is written or copied.
  t.like(await reportWorked(), { outcome: 'accepted' })
  await eventually(async () => (await audited('password.restore-skipped')).length === 1, 'the restore skipped')
  t.is((await audited('password.mps-copied')).length, 1)
  t.is((await store.getAmtPasswordHistory(KEY)).length, 4)
})

test("MPS's copy after a restore, cut short by a restart, is finished by the restarted core, once", async (t) => {
  const copied: number[] = []
  let failing = true
  const copy: MpsPasswordCopy = {
    mode: 'vault',
    copy: (_key, newVersion) => {
      if (failing) return Promise.reject(new Error('Vault is away'))
      copied.push(newVersion)
      return Promise.resolve('written')
    },
  }
  const first = await timedOutRotation(t, { mpsCopy: () => copy })
  const { inventory, clock, rotation, audited } = first
  await first.candidateOneWorked()
  await eventually(async () => (await inventory.getHost(KEY)).rotation?.mpsCopy === 'pending', 'the copy pending')
  t.like((await inventory.getHost(KEY)).rotation, { state: 'failed', reverted: true })
  await first.core.stop()

  failing = false
  const restarted = createManagerCore({
    inventory,
    outbound: new RecordingOutbound(),
    log: silentLogger(),
    metrics: createManagerMetrics(inventory),
    now: clock.now,
    rotator: first.passwords,
    mpsCopy: copy,
  })
  t.teardown(() => restarted.stop())
  await restarted.republishAll()
  clock.advance(1 * MIN)
  t.is(await restarted.checkDeadlines(), 1, 'the unfinished copy, found by the start sweep')
  await eventually(async () => (await inventory.getHost(KEY)).rotation?.mpsCopy === 'written', 'the copy written')
  t.deepEqual(copied, [rotation.newVersion], 'copied once')
  await restarted.republishAll()
  clock.advance(1 * MIN)
  t.is(await restarted.checkDeadlines(), 0, 'nothing left to finish')
  t.like((await inventory.getHost(KEY)).rotation, { id: rotation.id, state: 'failed', reverted: true })
  t.is((await audited('password.mps-copied')).length, 1)
  t.is((await audited('password.rotation-reverted')).length, 1, 'a restored rotation is never reverted again')
})
