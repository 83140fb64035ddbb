import { randomUUID } from 'node:crypto'
import test from 'ava'
import { HostBook } from '../../../manager/core/host-book.ts'
import { internHostTexts, TextPool } from '../../../manager/core/host-texts.ts'
import type { Host } from '../../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import type { Capability } from '../../../schemas/messages/capability.ts'
import { seedHost, TENANT } from '../../helpers/manager-core.ts'
import { example } from '../../schemas/examples.ts'

/** A host's capability as an agent reports it: its own envelope and AMT UUID, the rest as every other host's. */
function capabilityOf(hostId: string): Capability {
  const capability = example('capability', { hostId, bootId: randomUUID(), amtUuid: randomUUID() })
  // Parsed from its own bytes, as each report is: a copy of every text of its own.
  return JSON.parse(JSON.stringify(capability)) as Capability
}

/** The texts of a capability that every host of the example shares (all but its envelope, AMT UUID and reason). */
function sharedTextsOf(capability: Capability): string[] {
  const { trustedRootHashes = [], ras, rpc } = capability
  return [
    capability.sku,
    capability.features,
    capability.amtVersion,
    capability.buildNumber,
    capability.controlMode,
    capability.dnsSuffix,
    capability.dnsSuffixOS ?? '',
    capability.meiDevice ?? '',
    capability.lms,
    ...trustedRootHashes.flatMap((root) => [root.name, root.algorithm, root.hash]),
    ...(ras === null ? [] : [ras.networkStatus, ras.remoteStatus, ras.remoteTrigger, ras.mpsHostname]),
    ...(rpc === null ? [] : [rpc.line, rpc.version]),
  ]
}

test('a text pool answers equal texts, holds each distinct one once, and starts again beyond its bound', (t) => {
  const pool = new TextPool({ maxTexts: 3, maxLength: 8 })
  const texts = ['UNKNOWN', 'CCM', 'ACM']
  for (let round = 0; round < 5; round++) for (const text of texts) t.is(pool.intern(`${text}`), text)
  t.is(pool.size, 3)
  t.is(pool.intern('a text longer than eight'), 'a text longer than eight')
  t.false(pool.has('a text longer than eight'), 'longer texts are not pooled')
  t.is(pool.intern('FOURTH'), 'FOURTH')
  t.is(pool.size, 1, 'the fourth distinct text started the pool again')
  t.true(pool.has('FOURTH'))
  t.false(pool.has('CCM'))
})

test("hosts' shared texts and capability texts go through the pool; their values, ids, times and envelopes are untouched", (t) => {
  const pool = new TextPool()
  const hosts: Host[] = []
  for (let i = 0; i < 50; i++) {
    const host = {
      ...(JSON.parse(JSON.stringify(hostFixture(`h${i}`))) as Host),
      capability: capabilityOf(`h${i}`),
    }
    const before = structuredClone(host)
    internHostTexts(host, pool)
    t.deepEqual(host, before, 'the values are the same')
    hosts.push(host)
  }
  const [first] = hosts
  if (first?.capability == null) throw new Error('no capability')
  const shared = new Set([
    ...sharedTextsOf(first.capability),
    ...['UNSPECIFIED', 'PRE_PROVISIONING', 'CCM', '', 'Unknown', 'IDLE', 'mqtt', 'none'],
  ])
  for (const text of shared) t.true(pool.has(text), `pooled: ${text}`)
  t.is(pool.size, shared.size, 'one entry per distinct shared text, whatever the number of hosts')
  for (const host of hosts) {
    for (const own of [host.hostId, host.name, host.createdAt, host.capability?.bootId, host.capability?.amtUuid])
      t.false(pool.has(own ?? ''), `not pooled: ${own}`)
  }
})

test('a capability the cache already held is not walked again, and frozen objects are left as they are', (t) => {
  const pool = new TextPool()
  const capability = capabilityOf('h1')
  const host = { ...hostFixture('h1'), capability }
  internHostTexts(host, pool, { ...host })
  t.true(pool.has('UNSPECIFIED'), "the host's own fields are pooled")
  t.false(pool.has(capability.features), 'the previous version had the same capability object')
  internHostTexts(host, pool)
  t.true(pool.has(capability.features), 'without a previous version it is walked')

  const untouched = new TextPool()
  const frozen = Object.freeze({ ...hostFixture('h2'), capability: Object.freeze(capabilityOf('h2')) })
  t.notThrows(() => internHostTexts(frozen, untouched))
  t.is(untouched.size, 0)
})

test('the host cache holds pooled texts: every host read from Inventory passes its shared texts through the pool', async (t) => {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY })
  t.teardown(() => inventory.close())
  const hostIds = Array.from({ length: 20 }, (_, i) => `h${i}`)
  for (const hostId of hostIds) await seedHost(inventory, hostId, [{ capability: capabilityOf(hostId), sku: 'AMT' }])
  const pool = new TextPool()
  const book = new HostBook(inventory, { texts: pool })
  const sizes: number[] = []
  for (const hostId of hostIds) {
    const host = await book.get({ tenantId: TENANT, hostId })
    t.deepEqual(host, await inventory.findHost({ tenantId: TENANT, hostId }), 'the cached host is the stored one')
    sizes.push(pool.size)
  }
  const first = await inventory.findHost({ tenantId: TENANT, hostId: 'h0' })
  if (first?.capability == null) throw new Error('no capability stored')
  for (const text of [...sharedTextsOf(first.capability), first.desiredState, first.statusIndicator, first.sku])
    t.true(pool.has(text), `pooled: ${text}`)
  t.false(pool.has(first.capability.bootId))
  t.deepEqual(new Set(sizes), new Set([sizes[0]]), 'the hosts after the first brought no text the pool lacked')
})

/** A host record as Inventory returns it (manager/inventory/host.ts), before any report. */
function hostFixture(hostId: string): Host {
  return {
    tenantId: TENANT,
    hostId,
    name: hostId,
    desiredState: 'UNSPECIFIED',
    currentState: 'UNSPECIFIED',
    sku: 'UNSPECIFIED',
    status: 'Unknown',
    statusIndicator: 'IDLE',
    statusTimestamp: 0,
    controlMode: 'CCM',
    dnsSuffix: '',
    desiredGeneration: 0,
    observedGeneration: 0,
    phase: null,
    reportedControlMode: 'PRE_PROVISIONING',
    capability: null,
    online: false,
    bootId: randomUUID(),
    lastSeen: null,
    lastSeq: {},
    agentKind: 'mqtt',
    activationRequestedAt: null,
    localDeactivation: false,
    deletion: 'none',
    desiredPowerState: 'UNSPECIFIED',
    currentPowerState: 'UNSPECIFIED',
    powerStatus: 'Unknown',
    powerStatusIndicator: 'IDLE',
    powerStatusTimestamp: 0,
    powerStateReadAt: null,
    labels: {},
    policyOverride: null,
    rotation: null,
    version: 1,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, Number(hostId.slice(1)))).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 0, 1)).toISOString(),
  }
}
