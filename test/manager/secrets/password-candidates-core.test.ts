import test from 'ava'
import type { HostKey } from '../../../manager/inventory/port.ts'
import { AgentMessages, seedHost, TENANT, type TestCore } from '../../helpers/manager-core.ts'
import { eventually } from '../../helpers/manager-mqtt.ts'
import { askAsAgent, localStore, startCore } from './support.ts'

const KEY: HostKey = { tenantId: TENANT, hostId: 'h-1' }
const V1 = { password: 'Version1!aaaa', mebxPassword: 'Mebx1!aaaaaa' }
const V2 = { password: 'Version2!bbbb' }
const V3 = { password: 'Version3!cccc' }
const TENANT_SECRET = { password: 'Tenant!Passw0rd' }

/** A host with three stored versions (v3 current), a tenant static password, and a deactivation asked for. */
async function hostWithVersions(t: Parameters<typeof localStore>[0]) {
  const store = await localStore(t)
  const core = await startCore(t, store)
  await seedHost(core.inventory, KEY.hostId)
  for (const secret of [V1, V2, V3]) await store.putAmtPassword(KEY, secret)
  await store.putTenantPassword(TENANT, TENANT_SECRET)
  await core.core.setDesired({ keys: [KEY] }, { state: 'UNPROVISIONED' }, 'api:test')
  return { store, core }
}

const auditOf = async (core: TestCore, kind: string) =>
  (await core.inventory.listAudit(TENANT, { hostId: KEY.hostId })).filter((event) => event.kind === kind)

test('secret/req candidates: current, previous versions newest first, then the tenant; `more` until the last', async (t) => {
  const { core } = await hostWithVersions(t)
  const answers = []
  for (const candidate of [undefined, 0, 1, 2, 3]) answers.push(await askAsAgent(core, KEY, 'deactivate', candidate))
  t.like(answers[0], { ok: true, password: V3.password, more: true, origin: 'host', version: 3 })
  t.like(answers[1], { ok: true, password: V3.password, more: true, origin: 'host', version: 3 })
  t.like(answers[2], { ok: true, password: V2.password, more: true, origin: 'host', version: 2 })
  t.like(answers[3], { ok: true, password: V1.password, more: true, origin: 'host', version: 1 })
  t.like(answers[4], { ok: true, password: TENANT_SECRET.password, more: false, origin: 'tenant' })
  t.false(answers[4] !== undefined && 'version' in answers[4])

  const beyond = await askAsAgent(core, KEY, 'deactivate', 4)
  t.like(beyond, { ok: false, error: 'NO_SUCH_CANDIDATE: no password candidate 4 (4 known)' })
  t.false(beyond !== undefined && 'retryable' in beyond, 'a refusal: the agent stops asking')
  const requested = await auditOf(core, 'password.requested')
  t.deepEqual(requested.map((event) => (event.detail as { candidate?: number }).candidate).sort(), [
    0,
    1,
    2,
    3,
    4,
    undefined,
  ])
})

test('secret/req candidates: a candidate is answered only while an operation needs the password', async (t) => {
  const store = await localStore(t)
  const core = await startCore(t, store)
  await seedHost(core.inventory, KEY.hostId)
  for (const secret of [V1, V2]) await store.putAmtPassword(KEY, secret)
  const refused = await askAsAgent(core, KEY, 'deactivate', 1)
  t.like(refused, { ok: false })
  t.regex(refused?.ok === false ? refused.error : '', /^SECRET_NOT_NEEDED: /)
  t.like((await auditOf(core, 'password.refused'))[0]?.detail, { purpose: 'deactivate', candidate: 1 })
})

function candidateWorked(agent: AgentMessages, detail: Record<string, string | number>, generation = 1) {
  return agent.encode('events', {
    kind: 'secret.candidate-worked',
    message: 'AMT accepted an older password',
    generation,
    detail,
  })
}

test('a candidate that worked becomes current again through the store (a new version), audited as password.restored', async (t) => {
  const { store, core } = await hostWithVersions(t)
  const worked = candidateWorked(new AgentMessages(KEY), { candidate: 2, origin: 'host', version: 1 })
  t.like(await core.dispatch(worked.topic, worked.payload, false), { outcome: 'accepted' })
  const [restored] = await eventually(async () => {
    const found = await auditOf(core, 'password.restored')
    return found.length > 0 && found
  }, 'password.restored')
  t.like(restored, {
    actor: 'manager',
    class: 'security',
    detail: { candidate: 2, origin: 'host', version: 1, newVersion: 4 },
  })
  t.false(JSON.stringify(restored).includes(V1.password), 'no password in the audit')
  const history = await store.getAmtPasswordHistory(KEY)
  t.deepEqual(
    history.map(({ version, secret }) => [version, secret]),
    [
      [4, V1],
      [3, V3],
      [2, V2],
      [1, V1],
    ],
    'the MEBx password comes back with it; the refused ones stay as history',
  )
  t.like(await askAsAgent(core, KEY, 'deactivate'), { ok: true, password: V1.password, origin: 'host', version: 4 })
  t.is((await auditOf(core, 'agent.secret.candidate-worked')).length, 1, "the agent's report is audited too")
})

test("the tenant's password that worked is stored as the host's own current version", async (t) => {
  const { store, core } = await hostWithVersions(t)
  const worked = candidateWorked(new AgentMessages(KEY), { candidate: 3, origin: 'tenant' })
  await core.dispatch(worked.topic, worked.payload, false)
  await eventually(async () => (await auditOf(core, 'password.restored')).length > 0, 'password.restored')
  t.deepEqual(await store.getAmtPassword(KEY), TENANT_SECRET)
})

test('candidate-worked is ignored when no operation needs the password, and for malformed details', async (t) => {
  const store = await localStore(t)
  const core = await startCore(t, store)
  await seedHost(core.inventory, KEY.hostId)
  for (const secret of [V1, V2]) await store.putAmtPassword(KEY, secret)
  const agent = new AgentMessages(KEY)
  for (const worked of [
    candidateWorked(agent, { candidate: 1, origin: 'host', version: 1 }),
    candidateWorked(agent, { candidate: 0, origin: 'host', version: 2 }),
  ])
    t.like(await core.dispatch(worked.topic, worked.payload, false), { outcome: 'accepted' })
  await core.core.setDesired({ keys: [KEY] }, { state: 'UNPROVISIONED' }, 'api:test')
  for (const detail of [
    { candidate: 1, origin: 'host' },
    { candidate: 1, origin: 'vault' },
    { candidate: '1', origin: 'tenant' },
  ]) {
    const worked = candidateWorked(agent, detail)
    await core.dispatch(worked.topic, worked.payload, false)
  }
  // The last report is the one that restores: once it is audited, every earlier one has been handled.
  const last = candidateWorked(agent, { candidate: 3, origin: 'host', version: 1 })
  await core.dispatch(last.topic, last.payload, false)
  await eventually(async () => (await auditOf(core, 'password.restored')).length > 0, 'password.restored')
  const restored = await auditOf(core, 'password.restored')
  t.is(restored.length, 1)
  t.like(restored[0]?.detail, { candidate: 3 }, 'restored by the report made while the deactivation needs it')
  t.is((await auditOf(core, 'password.restore-skipped')).length, 0)
  t.is((await auditOf(core, 'agent.secret.candidate-worked')).length, 6)
  t.deepEqual(
    (await store.getAmtPasswordHistory(KEY)).map(({ version }) => version),
    [3, 2, 1],
  )
})

test('restoring the current password again writes nothing: password.restore-skipped', async (t) => {
  const { store, core } = await hostWithVersions(t)
  const worked = candidateWorked(new AgentMessages(KEY), { candidate: 1, origin: 'host', version: 3 })
  await core.dispatch(worked.topic, worked.payload, false)
  const [skipped] = await eventually(async () => {
    const found = await auditOf(core, 'password.restore-skipped')
    return found.length > 0 && found
  }, 'password.restore-skipped')
  t.like(skipped, {
    class: 'activity',
    detail: { reason: 'the host password version 3 is the current password already' },
  })
  t.is((await store.getAmtPasswordHistory(KEY)).length, 3)
})
