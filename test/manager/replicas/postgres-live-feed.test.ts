import test, { type ExecutionContext } from 'ava'
import { MAX_PAYLOAD_BYTES } from '../../../manager/database/notify-envelope.ts'
import { openPostgresPool } from '../../../manager/database/postgres-pool.ts'
import type { HostKey } from '../../../manager/inventory/port.ts'
import { metricValue } from '../../helpers/manager-core.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'
import { SseClient, type SseEvent } from '../../helpers/sse-client.ts'
import { startPgReplica, type PgReplica } from './postgres-replica.ts'

const freshDatabase = usePostgres(test)
const WAIT_MS = 60_000

type View = Record<string, unknown> & { hostId: string; desiredGeneration: number }
const viewOf = (event: SseEvent) => JSON.parse(event.data) as View
const hostViews = (stream: SseClient) => stream.events.filter((event) => event.event === 'host').map(viewOf)
/** `hostId@generation` of every host event, in order. */
const seen = (stream: SseClient) => hostViews(stream).map((view) => `${view.hostId}@${view.desiredGeneration}`)

/** A live stream of `tenant` served by `replica`'s API, once it is `ready`. */
async function streamOf(t: ExecutionContext, replica: PgReplica, tenant: string): Promise<SseClient> {
  const url = `${replica.apiUrl}/api/v1/tenants/${tenant}/hosts/changes`
  const answer = await SseClient.open(t, url, { token: await replica.viewerToken(tenant) })
  if (answer.stream === null) throw new Error(`stream refused: ${answer.status} ${answer.text}`)
  await answer.stream.named('ready')
  return answer.stream
}

const desired = (replica: PgReplica, hostIds: string[]) =>
  replica.core.setDesired(
    { keys: hostIds.map((hostId) => ({ tenantId: 'acme', hostId })) },
    { state: 'PROVISIONED' },
    `test@${replica.name}`,
  )

/** Waits until `stream` has a host event of `hostId` with `generation`. */
const arrival = (stream: SseClient, hostId: string, generation: number) =>
  stream.next(
    (event) =>
      event.event === 'host' &&
      `${viewOf(event).hostId}@${viewOf(event).desiredGeneration}` === `${hostId}@${generation}`,
    {
      timeoutMs: WAIT_MS,
    },
  )

async function pair(t: ExecutionContext, hosts: string[], options: Parameters<typeof startPgReplica>[3] = {}) {
  const url = await freshDatabase('live_feed')
  const a = await startPgReplica(t, url, 'replica-a')
  const b = await startPgReplica(t, url, 'replica-b', options)
  await a.inventory.createTenant({ tenantId: 'acme' })
  await a.inventory.createHosts(hosts.map((hostId) => ({ tenantId: 'acme', hostId })))
  return { url, a, b }
}

test('a write through replica A reaches a stream served by replica B exactly once; B’s own are not doubled', async (t) => {
  const { a, b } = await pair(t, ['h1', 'h2'])
  const onB = await streamOf(t, b, 'acme')
  const onA = await streamOf(t, a, 'acme')

  await desired(a, ['h1'])
  const fromA = viewOf(await arrival(onB, 'h1', 1))
  t.is(fromA.desiredState, 'PROVISIONED')
  t.deepEqual(fromA, JSON.parse(await fetchHost(b, 'h1')) as View, 'B streams what its API reads')

  await desired(b, ['h2'])
  await arrival(onB, 'h2', 1)
  await b.relay.idle() // B's NOTIFY is committed: an echo of it would reach B before anything sent after it
  await desired(a, ['h1']) // the marker: once it arrives, every earlier notification has
  await arrival(onB, 'h1', 2)
  await arrival(onA, 'h1', 2)
  await arrival(onA, 'h2', 1)

  t.deepEqual(seen(onB), ['h1@1', 'h2@1', 'h1@2'], 'each change once, in order, on B')
  // On A, B's change may come after A's marker (it travels through PostgreSQL): each once, in whatever order.
  t.deepEqual(seen(onA).sort(), ['h1@1', 'h1@2', 'h2@1'], 'each change once on A')
  const ids = onB.events.filter((event) => event.event === 'host').map((event) => event.id)
  t.is(new Set(ids).size, ids.length, 'B numbers them as its own changes')
})

test('B’s LISTEN connection killed: B’s streams get resync, and later changes of A flow again', async (t) => {
  const { url, a, b } = await pair(t, ['h1'])
  const onB = await streamOf(t, b, 'acme')
  t.is(await metricValue(b.metrics.changeFeedListening), 1)
  const admin = await openPostgresPool({ url })
  t.teardown(() => admin.end())
  const killed = await admin.query<{ done: boolean }>(
    'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity' +
      ' WHERE application_name = $1 AND datname = current_database()',
    [b.listenName],
  )
  t.deepEqual(
    killed.rows.map((row) => row.done),
    [true],
    'one LISTEN connection',
  )

  const resync = await onB.next((event) => event.event === 'resync', { timeoutMs: WAIT_MS })
  t.regex(resync.id ?? '', /^[0-9a-f]{8}-\d+$/)
  t.is(await metricValue(b.metrics.changeFeedResyncs, { reason: 'reconnected' }), 1)
  t.is(await metricValue(b.metrics.changeFeedListening), 1, 'listening again')

  await desired(a, ['h1'])
  await arrival(onB, 'h1', 1)
  t.deepEqual(seen(onB), ['h1@1'])
  const resumed = await SseClient.open(t, `${b.apiUrl}/api/v1/tenants/acme/hosts/changes`, {
    token: await b.viewerToken('acme'),
    headers: { 'last-event-id': `${(resync.id ?? '').split('-')[0]}-0` },
  })
  await resumed.stream?.named('ready')
  t.is(resumed.stream?.events[0]?.event, 'resync', 'a resume from before the loss is told to resync as well')
})

test('a change too large for one NOTIFY reaches B by a read from Inventory', async (t) => {
  const reads: HostKey[] = []
  const { a, b } = await pair(t, ['h1'], {
    readHosts: (inventory) => ({
      findHost: (key) => {
        reads.push(key)
        return inventory.findHost(key)
      },
    }),
  })
  const onB = await streamOf(t, b, 'acme')
  // Each control character is 6 bytes of JSON (\u0001): two such texts of 1000 make the host ~12 KB as JSON.
  const status = '\u0001'.repeat(1000)
  const stored = await a.core.updateHost({ tenantId: 'acme', hostId: 'h1' }, { status, powerStatus: status })
  t.true(Buffer.byteLength(JSON.stringify(stored)) > MAX_PAYLOAD_BYTES, 'the host does not fit into a NOTIFY')

  const event = await onB.next((candidate) => candidate.event === 'host', { timeoutMs: WAIT_MS })
  t.is(viewOf(event).status, stored.status)
  t.deepEqual(reads, [{ tenantId: 'acme', hostId: 'h1' }], 'B read the host it was told about')
})

test('a bulk desired write of 2000 hosts: NOTIFY batched and one per change, measured (printed)', async (t) => {
  const hostIds = Array.from({ length: 2000 }, (_, index) => `bulk-${String(index).padStart(4, '0')}`)
  for (const batch of [true, false]) {
    const label = batch ? 'batched' : 'unbatched'
    // A database of its own: the other run's replicas do not listen to this one.
    const url = await freshDatabase('live_feed_bulk')
    const a = await startPgReplica(t, url, `${label}-a`, { api: false, batch })
    const b = await startPgReplica(t, url, `${label}-b`, { api: false })
    await a.inventory.createTenant({ tenantId: 'acme' })
    await a.inventory.createHosts(hostIds.map((hostId) => ({ tenantId: 'acme', hostId })))
    const got = new Set<string>()
    let all: () => void = () => undefined
    const arrived = new Promise<void>((resolve) => (all = resolve))
    b.core.hostChanges.subscribeAll({
      change: (change) => {
        if (change.kind === 'host' && change.host.tenantId === 'acme') got.add(change.host.hostId)
        if (got.size === hostIds.length) all()
      },
      closed: () => undefined,
    })
    const started = performance.now()
    await desired(a, hostIds)
    const written = performance.now()
    await a.relay.idle()
    const sent = performance.now()
    await withTimeout(arrived, WAIT_MS * 3, `${label}: every change on B`)
    const received = performance.now()
    const ms = (value: number) => `${Math.round(value - started)} ms`
    t.log(
      `${label}: 2000-host desired write returned after ${ms(written)}, every NOTIFY sent after ${ms(sent)},` +
        ` all 2000 changes in B's feed after ${ms(received)}`,
    )
    t.is(got.size, hostIds.length)
  }
})

const fetchHost = async (replica: PgReplica, hostId: string): Promise<string> => {
  const response = await fetch(`${replica.apiUrl}/api/v1/tenants/acme/hosts/${hostId}`, {
    headers: { authorization: `Bearer ${await replica.viewerToken('acme')}` },
  })
  return response.text()
}

async function withTimeout(promise: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    promise,
    new Promise<never>(
      (_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer))
}
