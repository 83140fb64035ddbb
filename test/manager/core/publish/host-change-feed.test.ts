import test, { type ExecutionContext } from 'ava'
import { HostChangeFeed, type HostChange } from '../../../../manager/core/publish/host-change-feed.ts'
import { StatusPublisher } from '../../../../manager/core/publish/status-publisher.ts'
import { RecordingOutbound, seedHost } from '../../../helpers/manager-core.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../../manager/inventory/sqlite/open.ts'

const key = (hostId: string, tenantId = 'acme') => ({ tenantId, hostId })
const summary = (changes: readonly HostChange[]) =>
  changes.map((change) => `${change.kind}:${change.kind === 'host' ? change.host.hostId : change.hostId}`)

async function hosts(t: ExecutionContext) {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  return { inventory, h1: await seedHost(inventory, 'h1'), o1: await seedHost(inventory, 'o1', [], 'other') }
}

test('ids carry the boot and increase; subscribers get only their tenant, in order', async (t) => {
  const { h1, o1 } = await hosts(t)
  const feed = new HostChangeFeed({ bootId: 'abcdef01' })
  t.is(feed.headId(), 'abcdef01-0')
  const got: HostChange[] = []
  const unsubscribe = feed.subscribe('acme', { change: (change) => got.push(change), closed: () => undefined })
  feed.changed(h1)
  feed.changed(o1)
  feed.deleted(key('h1'))
  t.deepEqual(summary(got), ['host:h1', 'deleted:h1'])
  t.deepEqual(
    got.map((change) => change.id),
    ['abcdef01-1', 'abcdef01-3'],
  )
  unsubscribe()
  feed.changed(h1)
  t.is(got.length, 2, 'nothing after unsubscribe')
  t.is(feed.headId(), 'abcdef01-4')
})

test('missedSince replays what the buffer holds after the id, else resync', async (t) => {
  const { h1, o1 } = await hosts(t)
  const feed = new HostChangeFeed({ capacity: 3, bootId: '00000001' })
  feed.changed(h1) // 1
  feed.changed(o1) // 2
  feed.changed(h1) // 3
  const replay = feed.missedSince('acme', '00000001-1')
  t.is(replay.kind, 'replay')
  t.deepEqual(replay.kind === 'replay' ? replay.changes.map((change) => change.seq) : [], [3])
  feed.changed(h1) // 4: seq 1 leaves the buffer
  t.is(feed.missedSince('acme', '00000001-1').kind, 'replay', 'seq 2 to 4 are held: the oldest id still resumes')
  t.is(feed.missedSince('acme', '00000001-0').kind, 'resync', 'older than the buffer')
  t.is(feed.missedSince('acme', '00000002-3').kind, 'resync', 'another boot')
  t.is(feed.missedSince('acme', '00000001-5').kind, 'resync', 'never issued')
  t.is(feed.missedSince('acme', 'garbage').kind, 'resync')
  t.deepEqual(summary((feed.missedSince('acme', '00000001-4') as { changes: HostChange[] }).changes), [])
})

test('subscribeAll gets the changes of every tenant in order until it unsubscribes; close ends it', async (t) => {
  const { h1, o1 } = await hosts(t)
  const feed = new HostChangeFeed()
  const got: string[] = []
  let closed = 0
  const unsubscribe = feed.subscribeAll({
    change: (change) => got.push(`${change.tenantId}/${summary([change]).join('')}`),
    closed: () => closed++,
  })
  feed.changed(h1)
  feed.changed(o1)
  feed.deleted(key('h1'))
  t.deepEqual(got, ['acme/host:h1', 'other/host:o1', 'acme/deleted:h1'])
  unsubscribe()
  feed.changed(h1)
  t.is(got.length, 3, 'nothing after unsubscribe')
  feed.subscribeAll({ change: () => undefined, closed: () => closed++ })
  feed.close()
  feed.subscribeAll({ change: () => undefined, closed: () => closed++ })
  t.is(closed, 2, 'the one subscribed when the feed closed, and the one after')
})

test('close ends every subscription and answers later subscribers at once', (t) => {
  const feed = new HostChangeFeed()
  let closed = 0
  feed.subscribe('acme', { change: () => undefined, closed: () => closed++ })
  feed.close()
  feed.subscribe('acme', { change: () => undefined, closed: () => closed++ })
  t.is(closed, 2)
})

test('the status publisher feeds a change when a write publishes status, not for a republish or the start-up sweep', async (t) => {
  const { inventory, h1 } = await hosts(t)
  const feed = new HostChangeFeed()
  const got: HostChange[] = []
  feed.subscribe('acme', { change: (change) => got.push(change), closed: () => undefined })
  const status = new StatusPublisher(new RecordingOutbound(), { changes: feed })
  t.true(status.publish(h1, { force: true }), 'the start-up sweep publishes')
  t.is(got.length, 0, 'but is no change')
  const failed = await inventory.updateHost(key('h1'), { status: 'failed', statusIndicator: 'ERROR' })
  t.true(status.publish(failed))
  t.true(status.publish(failed, { force: true }), 'a reconnect republishes')
  t.false(status.publish(failed), 'nothing visible changed')
  status.forget(key('h1'))
  t.deepEqual(summary(got), ['host:h1', 'deleted:h1'])
  t.is(got[0]?.kind === 'host' ? got[0].host.status : null, 'failed')
})

test("the relay hears this process's changes only; other replicas' changes are delivered like its own", async (t) => {
  const { h1, o1 } = await hosts(t)
  const relayed: string[] = []
  const relay = {
    changed: (host: { hostId: string }) => void relayed.push(`host:${host.hostId}`),
    deleted: (deleted: { hostId: string }) => void relayed.push(`deleted:${deleted.hostId}`),
  }
  const feed = new HostChangeFeed({ bootId: '0000000a', relay })
  const got: HostChange[] = []
  feed.subscribe('acme', { change: (change) => got.push(change), closed: () => undefined })
  feed.changed(h1)
  feed.received({ kind: 'host', host: h1 })
  feed.received({ kind: 'host', host: o1 })
  feed.received({ kind: 'deleted', key: key('h1') })
  feed.deleted(key('h1'))
  t.deepEqual(summary(got), ['host:h1', 'host:h1', 'deleted:h1', 'deleted:h1'])
  t.deepEqual(
    got.map((change) => change.id),
    ['0000000a-1', '0000000a-2', '0000000a-4', '0000000a-5'],
  )
  t.deepEqual(relayed, ['host:h1', 'deleted:h1'], 'received changes are not relayed back')
  t.deepEqual(
    got.map((change) => change.origin),
    ['local', 'peer', 'peer', 'local'],
  )
})

test('resync tells every live subscriber, takes a seq, and a resume from before it answers resync', async (t) => {
  const { h1 } = await hosts(t)
  const feed = new HostChangeFeed({ bootId: '0000000b' })
  const told: string[] = []
  feed.subscribe('acme', { change: () => undefined, resync: () => void told.push('acme'), closed: () => undefined })
  feed.subscribeAll({ change: () => undefined, resync: () => void told.push('all'), closed: () => undefined })
  feed.subscribe('other', { change: () => undefined, closed: () => undefined }) // resync is optional
  feed.changed(h1) // 1
  feed.resync() // 2
  t.deepEqual(told.sort(), ['acme', 'all'])
  t.is(feed.headId(), '0000000b-2')
  t.is(feed.missedSince('acme', '0000000b-1').kind, 'resync', 'it may have missed what the relay lost')
  feed.changed(h1) // 3
  const after = feed.missedSince('acme', '0000000b-2')
  t.deepEqual(after.kind === 'replay' ? after.changes.map((change) => change.seq) : after.kind, [3])
})
