import test from 'ava'
import { hostStatusOf } from '../../../../manager/core/publish/host-status.ts'
import { StatusPublisher } from '../../../../manager/core/publish/status-publisher.ts'
import { applyHostPatch, newHost } from '../../../../manager/inventory/host-patch.ts'
import type { Host, HostPatch } from '../../../../manager/inventory/port.ts'
import { LEAF_RULES } from '../../../../schemas/index.ts'
import { RecordingOutbound } from '../../../helpers/manager-core.ts'

/** The status publisher on its own: what it sends, and when a host's view counts as changed. */
const key = { tenantId: 'acme', hostId: 'h1' }
const start = new Date('2030-01-02T03:04:05.000Z')

function publisher(resolutionMs = 60_000) {
  const outbound = new RecordingOutbound()
  let now = start
  const status = new StatusPublisher(outbound, { now: () => now, lastSeenResolutionMs: resolutionMs })
  return {
    outbound,
    status,
    at: (ms: number) => {
      now = new Date(start.getTime() + ms)
    },
  }
}

const host = newHost(key, start)
const patched = (from: Host, patch: HostPatch): Host => applyHostPatch(from, patch, start)
const seen = (ms: number) => new Date(start.getTime() + ms).toISOString()

test('publishes the host view of the moment, retained at the contract QoS', (t) => {
  const { outbound, status, at } = publisher()
  const online = patched(host, { online: true, lastSeen: seen(0), status: 'ready', statusIndicator: 'IDLE' })
  at(1234)
  t.true(status.publish(online))
  t.is(outbound.published.length, 1)
  t.deepEqual(outbound.published[0]?.options, { qos: LEAF_RULES.status.qos, retain: LEAF_RULES.status.retained })
  t.deepEqual(outbound.last(key, 'status'), hostStatusOf(online, new Date(start.getTime() + 1234)))
})

test('publishes again only when a visible field changed or lastSeen moved by the resolution', (t) => {
  const { outbound, status } = publisher(60_000)
  const first = patched(host, { online: true, lastSeen: seen(0) })
  t.true(status.publish(first))
  t.false(status.publish(patched(first, { lastSeen: seen(59_999) })), 'lastSeen within the resolution')
  t.false(status.publish(patched(first, { powerStateReadAt: seen(5) })), 'a power reading alone')
  t.true(status.publish(patched(first, { lastSeen: seen(60_000) })), 'lastSeen moved by the resolution')
  const failed = patched(first, { lastSeen: seen(60_001), status: 'failed', statusIndicator: 'ERROR' })
  t.true(status.publish(failed), 'a visible change')
  t.false(status.publish(failed))
  t.true(status.publish(failed, { force: true }), 'forced')
  t.deepEqual(
    outbound.payloads(key, 'status').map((view) => [view.lastSeen, view.status]),
    [
      [seen(0), host.status],
      [seen(60_000), host.status],
      [seen(60_001), 'failed'],
      [seen(60_001), 'failed'],
    ],
  )
})

test('a forgotten host is published again at once', (t) => {
  const { outbound, status } = publisher()
  t.true(status.publish(host))
  t.false(status.publish(host))
  status.forget(key)
  t.true(status.publish(host))
  t.is(outbound.payloads(key, 'status').length, 2)
})
