import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import test from 'ava'
import { createLogger } from '../../../lib/log.ts'
import type { AmtPasswordSource } from '../../../manager/domain/ports.ts'
import { createManagerCore } from '../../../manager/domain/manager-core.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics } from '../../../manager/metrics.ts'
import { AgentMessages, RecordingOutbound, seedHost, startTestCore, TENANT } from '../../helpers/manager-core.ts'

const request = (purpose: 'deactivate' | 'activate' = 'deactivate') => ({ correlationId: randomUUID(), purpose, generation: 2 })

test('secret/req without a secret store is answered ok:false, not retained, with the correlation id', async (t) => {
  const { core, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const body = request()
  const { topic, payload } = new AgentMessages(host).encode('secret/req', body)
  t.like(await core.dispatch(topic, payload, false), { outcome: 'accepted' })
  await core.idle()
  t.like(outbound.last(host, 'secret/res'), { ok: false, error: 'no secret store configured', correlationId: body.correlationId })
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
  const core = createManagerCore({ inventory, outbound, secrets, log: createLogger({ name: 'test', level: 'debug', destination }), metrics: createManagerMetrics(inventory) })
  t.teardown(async () => {
    await core.stop()
    await inventory.close()
  })
  const host = await seedHost(inventory, 'h-1')
  const body = request()
  const { topic, payload } = new AgentMessages(host).encode('secret/req', body)
  await core.dispatch(topic, payload, false)
  await core.idle()
  t.like(outbound.last(host, 'secret/res'), { ok: true, password, correlationId: body.correlationId })
  t.deepEqual(asked, [{ key: { tenantId: TENANT, hostId: 'h-1' }, req: { purpose: 'deactivate', generation: 2 } }])
  t.true(lines.some((line) => line.includes('secret request answered')))
  t.false(lines.some((line) => line.includes(password)))
})

test('secret/req: a failing store and an unusable password are refused with a generic text', async (t) => {
  let answer: () => Promise<{ ok: true; password: string }> = () => Promise.reject(new Error('vault down: token s.abcdef'))
  const { core, inventory, outbound } = await startTestCore(t, { secrets: { getAmtPassword: () => answer() } })
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const first = agent.encode('secret/req', request())
  await core.dispatch(first.topic, first.payload, false)
  await core.idle()
  t.like(outbound.last(host, 'secret/res'), { ok: false, error: 'the secret store is unavailable', retryable: true })
  answer = () => Promise.resolve({ ok: true, password: 'short' })
  const second = agent.encode('secret/req', request())
  await core.dispatch(second.topic, second.payload, false)
  await core.idle()
  t.like(outbound.last(host, 'secret/res'), { ok: false, error: 'the stored AMT password is not usable (8-32 characters)' })
})

test('secret/req of an unknown host or a replayed one is not answered', async (t) => {
  const { core, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const agent = new AgentMessages(host)
  const first = agent.encode('secret/req', request())
  await core.dispatch(first.topic, first.payload, false)
  t.like(await core.dispatch(first.topic, first.payload, false), { outcome: 'rejected', reason: 'duplicate' })
  const stranger = new AgentMessages({ tenantId: TENANT, hostId: 'h-9' }).encode('secret/req', request())
  t.like(await core.dispatch(stranger.topic, stranger.payload, false), { outcome: 'rejected', reason: 'unknown-host' })
  await core.idle()
  t.is(outbound.published.filter((p) => p.topic.endsWith('/secret/res')).length, 1)
})
