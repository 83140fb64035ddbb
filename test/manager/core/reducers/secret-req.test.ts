import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import test, { type ExecutionContext } from 'ava'
import { createLogger } from '../../../../lib/log.ts'
import type { AmtPasswordSource } from '../../../../manager/ports/provisioning.ts'
import { createDispatcher } from '../../../../manager/bus/dispatch.ts'
import { createManagerCore } from '../../../../manager/core/manager-core.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../../../manager/metrics/metrics.ts'
import type { Host } from '../../../../manager/inventory/port.ts'
import {
  AgentMessages,
  metricValue,
  RecordingOutbound,
  seedHost,
  startTestCore,
  TENANT,
} from '../../../helpers/manager-core.ts'

const request = (purpose: 'deactivate' | 'activate' = 'deactivate', generation = 2) => ({
  correlationId: randomUUID(),
  purpose,
  generation,
})

/** A host whose desired asks for a deactivation at generation 2: the password is needed. */
const UNPROVISIONED_TWICE = [{ desiredState: 'UNPROVISIONED' as const }, { desiredState: 'UNPROVISIONED' as const }]

test('secret/req without a secret store is answered ok:false, not retained, with the correlation id', async (t) => {
  const { core, dispatch, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1', UNPROVISIONED_TWICE)
  const body = request()
  const { topic, payload } = new AgentMessages(host).encode('secret/req', body)
  t.like(await dispatch(topic, payload, false), { outcome: 'accepted' })
  await core.idle()
  t.like(outbound.last(host, 'secret/res'), {
    ok: false,
    error: 'no secret store configured',
    correlationId: body.correlationId,
  })
  const sent = outbound.published.find((p) => p.topic.endsWith('/secret/res'))
  t.deepEqual(sent?.options, { qos: 1, retain: false })
  const audit = await inventory.listAudit(TENANT, { hostId: 'h-1' })
  t.like(audit[0], { kind: 'password.requested', actor: 'agent', detail: { purpose: 'deactivate', generation: 2 } })
})

test('secret/req with a secret store is answered with the password, which never reaches the log', async (t) => {
  const password = 'Str0ng!Passw0rd'
  const lines: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  const outbound = new RecordingOutbound()
  const asked: unknown[] = []
  const secrets: AmtPasswordSource = {
    getAmtPassword: (key, req) => {
      asked.push({ key, req })
      return Promise.resolve({ ok: true, password })
    },
  }
  const log = createLogger({ name: 'test', level: 'debug', destination })
  const metrics = createManagerMetrics(inventory)
  const core = createManagerCore({ inventory, outbound, secrets, log, metrics })
  const dispatch = createDispatcher({ record: core.record, log, metrics })
  t.teardown(async () => {
    await core.stop()
    await inventory.close()
  })
  const host = await seedHost(inventory, 'h-1', UNPROVISIONED_TWICE)
  const body = request()
  const { topic, payload } = new AgentMessages(host).encode('secret/req', body)
  await dispatch(topic, payload, false)
  await core.idle()
  t.like(outbound.last(host, 'secret/res'), { ok: true, password, correlationId: body.correlationId })
  t.deepEqual(asked, [{ key: { tenantId: TENANT, hostId: 'h-1' }, req: { purpose: 'deactivate', generation: 2 } }])
  t.true(lines.some((line) => line.includes('secret request answered')))
  t.false(lines.some((line) => line.includes(password)))
})

test('secret/req: a failing store and an unusable password are refused with a generic text', async (t) => {
  let answer: () => Promise<{ ok: true; password: string }> = () =>
    Promise.reject(new Error('vault down: token s.abcdef'))
  const { core, dispatch, inventory, outbound } = await startTestCore(t, {
    secrets: { getAmtPassword: () => answer() },
  })
  const host = await seedHost(inventory, 'h-1', UNPROVISIONED_TWICE)
  const agent = new AgentMessages(host)
  const first = agent.encode('secret/req', request())
  await dispatch(first.topic, first.payload, false)
  await core.idle()
  t.like(outbound.last(host, 'secret/res'), { ok: false, error: 'the secret store is unavailable', retryable: true })
  answer = () => Promise.resolve({ ok: true, password: 'short' })
  const second = agent.encode('secret/req', request())
  await dispatch(second.topic, second.payload, false)
  await core.idle()
  t.like(outbound.last(host, 'secret/res'), {
    ok: false,
    error: 'the stored AMT password is not usable (8-32 characters)',
  })
})

test('secret/req of an unknown host or a replayed one is not answered', async (t) => {
  const { core, dispatch, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1', UNPROVISIONED_TWICE)
  const agent = new AgentMessages(host)
  const first = agent.encode('secret/req', request())
  await dispatch(first.topic, first.payload, false)
  t.like(await dispatch(first.topic, first.payload, false), { outcome: 'rejected', reason: 'duplicate' })
  const stranger = new AgentMessages({ tenantId: TENANT, hostId: 'h-9' }).encode('secret/req', request())
  t.like(await dispatch(stranger.topic, stranger.payload, false), { outcome: 'rejected', reason: 'unknown-host' })
  await core.idle()
  t.is(outbound.published.filter((p) => p.topic.endsWith('/secret/res')).length, 1)
})

/** A core with a store that always has the password; every secret/res and the asked requests recorded. */
async function gatedCore(t: ExecutionContext) {
  const asked: unknown[] = []
  const secrets: AmtPasswordSource = {
    getAmtPassword: (_key, req) => {
      asked.push(req)
      return Promise.resolve({ ok: true, password: 'Str0ng!Passw0rd' })
    },
  }
  const started = await startTestCore(t, { secrets })
  const ask = async (host: Host, agent: AgentMessages, body: ReturnType<typeof request>) => {
    const { topic, payload } = agent.encode('secret/req', body)
    t.like(await started.dispatch(topic, payload, false), { outcome: 'accepted' })
    await started.core.idle()
    return started.outbound.last(host, 'secret/res')
  }
  return { ...started, asked, ask }
}

const PROVISIONED_DONE = [
  { desiredState: 'PROVISIONED' as const },
  { observedGeneration: 1, phase: 'PROVISIONED' as const, currentState: 'PROVISIONED' as const },
]

test('secret/req while no operation of the host needs the password: refused (not retryable), counted, audited as security', async (t) => {
  const { inventory, outbound, metrics, asked, ask } = await gatedCore(t)
  const idle = await seedHost(inventory, 'h-idle')
  const provisioned = await seedHost(inventory, 'h-done', PROVISIONED_DONE)
  for (const [host, body] of [
    [idle, request('deactivate', 1)],
    [provisioned, request('deactivate', 1)],
    [provisioned, request('activate', 1)],
    [provisioned, request('deactivate', 2)],
  ] as const) {
    const answer = await ask(host, new AgentMessages(host), body)
    t.like(answer, { ok: false, correlationId: body.correlationId })
    t.regex(answer && !answer.ok ? answer.error : '', /^SECRET_NOT_NEEDED: /)
    t.false(answer !== undefined && 'retryable' in answer, 'a refusal, not a passing failure')
  }
  t.deepEqual(asked, [], 'the secret store is never asked')
  t.false(JSON.stringify(outbound.published).includes('Str0ng!Passw0rd'))
  t.is(await metricValue(metrics.secretRefusals), 4)
  const [refused] = await inventory.listAudit(TENANT, { hostId: 'h-done', class: 'security' })
  t.like(refused, { kind: 'password.refused', class: 'security', detail: { purpose: 'deactivate', generation: 2 } })
})

test('secret/req is answered while desired asks for a deactivation, and refused once it is done', async (t) => {
  const { core, inventory, ask } = await gatedCore(t)
  const host = await seedHost(inventory, 'h-1', [{ desiredState: 'PROVISIONED' }, { desiredState: 'UNPROVISIONED' }])
  const agent = new AgentMessages(host)
  t.like(await ask(host, agent, request('deactivate', 2)), { ok: true })
  t.like(
    await ask(host, agent, request('deactivate', 1)),
    { ok: true },
    'an earlier generation: the deactivation is still wanted',
  )
  await inventory.updateHost(host, { phase: 'UNPROVISIONED', currentState: 'UNPROVISIONED', observedGeneration: 2 })
  await core.refreshHost(host)
  t.like(await ask(host, agent, request('deactivate', 2)), { ok: false }, 'done: no password any more')
  t.like(await ask(host, agent, request('deactivate', 3)), { ok: false }, 'a generation never asked for')
})

test("secret/req for the agent's recovery (desired PROVISIONED): answered only after it reported DEACTIVATING at that generation", async (t) => {
  const { core, dispatch, inventory, outbound, ask } = await gatedCore(t)
  const host = await seedHost(inventory, 'h-1', PROVISIONED_DONE)
  const agent = new AgentMessages(host)
  t.like(await ask(host, agent, request('deactivate', 1)), { ok: false }, 'provisioned and nothing under way')
  // As the agent sends them (agent/reconcile/act.ts): the DEACTIVATING state, then the request; one ingest batch here.
  const state = agent.encode('state', {
    phase: 'DEACTIVATING',
    observedGeneration: 1,
    controlMode: 'CCM',
    remoteStatus: 'connecting',
  })
  const body = request('deactivate', 1)
  const asked = agent.encode('secret/req', body)
  await Promise.all([dispatch(state.topic, state.payload, true), dispatch(asked.topic, asked.payload, false)])
  await core.idle()
  t.like(outbound.last(host, 'secret/res'), { ok: true, correlationId: body.correlationId })
  t.like(
    await ask(host, agent, request('activate', 1)),
    { ok: true },
    'activate: not provisioned at the generation any more',
  )
})
