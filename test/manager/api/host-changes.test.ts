import test from 'ava'
import { Writable } from 'node:stream'
import { silentLogger } from '../../../lib/log.ts'
import { createDispatcher } from '../../../manager/bus/dispatch.ts'
import { AgentMessages } from '../../helpers/manager-core.ts'
import { SseClient, type SseEvent } from '../../helpers/sse-client.ts'
import { seed, startApi, type ApiHarness } from './api-harness.ts'

const changesOf = (api: ApiHarness, tenantId: string) => `${api.url}/api/v1/tenants/${tenantId}/hosts/changes`

/** Reports `state` FAILED for the host through the MQTT dispatcher (as an agent's message arrives). */
async function reportFailed(api: ApiHarness, agent: AgentMessages, reason: string): Promise<void> {
  const dispatch = createDispatcher({ record: api.core.record, log: silentLogger(), metrics: api.metrics })
  const body = { phase: 'FAILED' as const, observedGeneration: 0, controlMode: 'PRE_PROVISIONING' as const }
  const { topic, payload } = agent.encode('state', { ...body, remoteStatus: null, reason })
  const outcome = await dispatch(topic, payload, false)
  if (outcome.outcome !== 'accepted') throw new Error(`report not accepted: ${JSON.stringify(outcome)}`)
}

async function open(t: Parameters<typeof SseClient.open>[0], url: string, token: string, headers = {}) {
  const answer = await SseClient.open(t, url, { token, headers })
  if (answer.stream === null) throw new Error(`stream refused: ${answer.status} ${answer.text}`)
  await answer.stream.named('ready')
  return answer.stream
}

const hostOf = (event: SseEvent) => JSON.parse(event.data) as Record<string, unknown>
const hostEvents = (events: readonly SseEvent[]) => events.filter((event) => event.event === 'host').map(hostOf)

test('a state report arrives as a host event carrying the API view of the stored host', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1'] })
  const token = await api.token('viewer', 'acme')
  const answer = await SseClient.open(t, changesOf(api, 'acme'), { token })
  t.is(answer.status, 200)
  t.regex(answer.headers.get('content-type') ?? '', /^text\/event-stream/)
  t.is(answer.headers.get('cache-control'), 'no-store')
  const stream = answer.stream!
  await stream.named('ready')
  t.is(stream.retry, 3000)

  await reportFailed(api, new AgentMessages({ tenantId: 'acme', hostId: 'h1' }), 'rpc exit 20')
  const event = await stream.named('host')
  const view = hostOf(event)
  t.is(view.hostId, 'h1')
  t.is(view.statusIndicator, 'ERROR')
  t.regex(String(view.status), /rpc exit 20/)
  t.regex(event.id ?? '', /^[0-9a-f]{8}-\d+$/)
  const read = await api.request('GET', '/api/v1/tenants/acme/hosts/h1', { token })
  t.deepEqual(view, read.json, 'the event carries what GET answers')
})

test('a desired write through the API arrives as a host event with the new generation', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1'] })
  const stream = await open(t, changesOf(api, 'acme'), await api.token('viewer', 'acme'))
  const operator = await api.token('operator', 'acme')
  const patch = await api.request('PATCH', '/api/v1/tenants/acme/hosts/h1/amt', {
    token: operator,
    body: { desiredAmtState: 'PROVISIONED' },
  })
  t.is(patch.status, 200)
  const view = hostOf(await stream.next((event) => event.event === 'host' && hostOf(event).desiredGeneration === 1))
  t.is(view.desiredState, 'PROVISIONED')
})

test("a deleted host arrives as a deleted event; another tenant's changes never arrive", async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['h1', 'h2'], other: ['o1'] })
  const acme = await open(t, changesOf(api, 'acme'), await api.token('viewer', 'acme'))
  const global = await api.token('admin', '*')
  const other = await open(t, changesOf(api, 'other'), global)

  await reportFailed(api, new AgentMessages({ tenantId: 'other', hostId: 'o1' }), 'other tenant')
  await reportFailed(api, new AgentMessages({ tenantId: 'acme', hostId: 'h2' }), 'ours')
  const removed = await api.request('DELETE', '/api/v1/tenants/acme/hosts/h1?force=true', { token: global })
  t.is(removed.status, 200)
  const deleted = await acme.named('deleted')
  t.deepEqual(JSON.parse(deleted.data), { hostId: 'h1' })
  t.deepEqual(
    hostEvents(acme.events).map((host) => host.hostId),
    ['h2'],
  )
  t.deepEqual(
    hostEvents((await other.named('host'), other.events)).map((host) => host.hostId),
    ['o1'],
  )

  const outsider = await SseClient.open(t, changesOf(api, 'other'), { token: await api.token('viewer', 'acme') })
  t.is(outsider.status, 404)
  t.is((JSON.parse(outsider.text) as { code: string }).code, 'TENANT_NOT_FOUND')
  const anonymous = await SseClient.open(t, changesOf(api, 'acme'))
  t.is(anonymous.status, 401)
})

for (const via of ['the Last-Event-ID header', 'the lastEventId query parameter'] as const) {
  test(`a stream resumed by ${via} gets exactly the missed changes of its tenant, in order`, async (t) => {
    const api = await startApi(t)
    await seed(api.inventory, { acme: ['h1', 'h2', 'h3'], other: ['o1'] })
    const token = await api.token('viewer', 'acme')
    const agents = Object.fromEntries(
      ['h1', 'h2', 'h3'].map((hostId) => [hostId, new AgentMessages({ tenantId: 'acme', hostId })]),
    )
    const first = await open(t, changesOf(api, 'acme'), token)
    await reportFailed(api, agents.h1!, 'seen')
    const seen = await first.named('host')
    first.close()
    await first.ended

    await reportFailed(api, agents.h2!, 'missed one')
    await reportFailed(api, new AgentMessages({ tenantId: 'other', hostId: 'o1' }), 'not ours')
    await reportFailed(api, agents.h3!, 'missed two')
    await reportFailed(api, agents.h1!, 'missed three')
    const lastEventId = seen.id ?? ''
    const resumed =
      via === 'the Last-Event-ID header'
        ? await open(t, changesOf(api, 'acme'), token, { 'last-event-id': lastEventId })
        : await open(t, `${changesOf(api, 'acme')}?lastEventId=${lastEventId}`, token)
    const replayed = resumed.events.filter((event) => event.event !== 'ready')
    t.deepEqual(
      replayed.map((event) => [event.event, hostOf(event).hostId, String(hostOf(event).status).split(': ').at(-1)]),
      [
        ['host', 'h2', 'missed one'],
        ['host', 'h3', 'missed two'],
        ['host', 'h1', 'missed three'],
      ],
    )
    const ids = replayed.map((event) => Number(event.id?.split('-')[1]))
    t.true(
      ids.every((id, index) => index === 0 || id > ids[index - 1]!),
      'ids increase',
    )
    t.false(resumed.events.some((event) => event.event === 'resync'))
  })
}

test('an id of another boot, an unknown one, or one older than the buffer gets resync', async (t) => {
  const api = await startApi(t, { hostChanges: { replayBuffer: 2 } })
  await seed(api.inventory, { acme: ['h1', 'h2', 'h3'] })
  const token = await api.token('viewer', 'acme')
  const first = await open(t, changesOf(api, 'acme'), token)
  const start = (await first.named('ready')).id ?? ''
  const [boot, seq] = start.split('-') as [string, string]
  for (const hostId of ['h1', 'h2', 'h3'])
    await reportFailed(api, new AgentMessages({ tenantId: 'acme', hostId }), 'changed')
  await first.next((event) => event.event === 'host' && hostOf(event).hostId === 'h3')

  const otherBoot = `${boot === '00000000' ? '00000001' : '00000000'}-${seq}`
  for (const lastEventId of [start, otherBoot, `${boot}-999`, 'not-an-id']) {
    const resumed = await open(t, changesOf(api, 'acme'), token, { 'last-event-id': lastEventId })
    const names = resumed.events.map((event) => event.event)
    t.deepEqual(names, ['resync', 'ready'], lastEventId)
    t.is(resumed.events[0]?.id, resumed.events[1]?.id, 'resync names where to resume after reloading')
  }
})

test('neither the stream nor the log carries the token', async (t) => {
  const lines: string[] = []
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const api = await startApi(t, { logDestination })
  await seed(api.inventory, { acme: ['h1'] })
  const token = await api.token('viewer', 'acme')
  const stream = await open(t, changesOf(api, 'acme'), token)
  await reportFailed(api, new AgentMessages({ tenantId: 'acme', hostId: 'h1' }), 'rpc exit 20')
  await stream.named('host')
  stream.close()
  await stream.ended
  // The secret is base64url and may itself hold '_': everything after the id is the secret.
  const secret = /^amt_[0-9a-f]{16}_(.+)$/.exec(token)?.[1] ?? ''
  t.true(secret.length >= 32, 'the whole secret, not a fragment that could occur by chance')
  t.false(stream.raw.includes(secret))
  t.true(lines.length > 0)
  t.false(lines.join('').includes(secret))
})
