import { randomUUID } from 'node:crypto'
import type { ExecutionContext } from 'ava'
import { silentLogger } from '../../lib/log.ts'
import type { Outbound, PublishOptions } from '../../manager/ports/outbound.ts'
import {
  createManagerCore,
  type ManagerCore,
  type ManagerCoreDeps,
  type ManagerCoreOptions,
} from '../../manager/core/manager-core.ts'
import { createDispatcher, type Dispatch } from '../../manager/bus/dispatch.ts'
import type { Host, HostKey, HostPatch, Inventory } from '../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics, type ManagerMetrics } from '../../manager/metrics/metrics.ts'
import { buildTopic, decodeMessage, encodePayload } from '../../schemas/index.ts'
import type { AgentLeaf, BodyOf, Leaf, PayloadOf } from '../../schemas/index.ts'

/** An Outbound that keeps what was published, decoded on demand. */
export class RecordingOutbound implements Outbound {
  readonly published: Array<{ topic: string; payload: Buffer; options: PublishOptions }> = []

  publish(topic: string, payload: Buffer, options: PublishOptions): void {
    this.published.push({ topic, payload, options })
  }

  /** Decoded payloads published on one leaf of one host, oldest first. */
  payloads<L extends Leaf>(key: HostKey, leaf: L): Array<PayloadOf<L>> {
    const topic = buildTopic({ ...key, leaf })
    return this.published.flatMap(({ topic: name, payload }) => {
      if (name !== topic || payload.length === 0) return []
      const decoded = decodeMessage(name, payload)
      return decoded.kind === 'message' ? [decoded.payload as PayloadOf<L>] : []
    })
  }

  last<L extends Leaf>(key: HostKey, leaf: L): PayloadOf<L> | undefined {
    return this.payloads(key, leaf).at(-1)
  }

  clear(): void {
    this.published.length = 0
  }
}

export interface TestCore {
  core: ManagerCore
  /** The MQTT dispatcher over this core, as attachCore builds it. */
  dispatch: Dispatch
  inventory: Inventory
  outbound: RecordingOutbound
  metrics: ManagerMetrics
}

export const TENANT = 'acme'

/** A core on a fresh in-memory SQLite Inventory (sharing the clock) with a recording outbound; released in t.teardown. */
export async function startTestCore(
  t: ExecutionContext,
  {
    options,
    now,
    secrets,
    preparer,
    restorer,
    rotator,
    mpsCopy,
    log,
  }: { options?: ManagerCoreOptions } & Partial<
    Pick<ManagerCoreDeps, 'now' | 'secrets' | 'preparer' | 'restorer' | 'rotator' | 'mpsCopy' | 'log'>
  > = {},
): Promise<TestCore> {
  const inventory = await openSqliteInventory({ dataDir: IN_MEMORY, ...(now ? { now } : {}) })
  t.teardown(() => inventory.close())
  const outbound = new RecordingOutbound()
  const metrics = createManagerMetrics(inventory)
  const core = createManagerCore({
    inventory,
    outbound,
    log: log ?? silentLogger(),
    metrics,
    ...(options ? { options } : {}),
    ...(now ? { now } : {}),
    ...(secrets ? { secrets } : {}),
    ...(preparer ? { preparer } : {}),
    ...(restorer ? { restorer } : {}),
    ...(rotator ? { rotator } : {}),
    ...(mpsCopy ? { mpsCopy } : {}),
  })
  t.teardown(() => core.stop())
  const dispatch = createDispatcher({ record: core.record, log: log ?? silentLogger(), metrics })
  return { core, dispatch, inventory, outbound, metrics }
}

/** Creates the tenant (once) and a host, then applies the patches in order (each desired patch is a generation). */
export async function seedHost(
  inventory: Inventory,
  hostId: string,
  patches: HostPatch[] = [],
  tenantId = TENANT,
): Promise<Host> {
  if ((await inventory.listTenants()).every((tenant) => tenant.tenantId !== tenantId))
    await inventory.createTenant({ tenantId })
  let host = await inventory.createHost({ tenantId, hostId })
  for (const patch of patches) host = await inventory.updateHost({ tenantId, hostId }, patch)
  return host
}

/** The value of a counter (or gauge) for the labels, 0 when never set. */
export async function metricValue(
  metric: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> },
  labels: object = {},
): Promise<number> {
  const { values } = await metric.get()
  const wanted = Object.entries(labels)
  const found = values.find((value) =>
    wanted.every(([name, expected]) => (value.labels as Record<string, unknown>)[name] === expected),
  )
  return found?.value ?? 0
}

/** Builds agent messages of one host with a running seq (as the agent's sequencer does). */
export class AgentMessages {
  readonly key: HostKey
  bootId: string
  seq = 0

  constructor(key: HostKey, bootId: string = randomUUID()) {
    this.key = key
    this.bootId = bootId
  }

  /** A new boot: new bootId, seq from 0. */
  reboot(): void {
    this.bootId = randomUUID()
    this.seq = 0
  }

  envelope(seq = this.seq++) {
    return { v: 1 as const, ts: new Date().toISOString(), hostId: this.key.hostId, bootId: this.bootId, seq }
  }

  topic(leaf: Leaf): string {
    return buildTopic({ ...this.key, leaf })
  }

  encode<L extends AgentLeaf>(leaf: L, body: BodyOf<L>, seq?: number): { topic: string; payload: Buffer } {
    const payload = { ...this.envelope(seq), ...body } as PayloadOf<L>
    return { topic: this.topic(leaf), payload: encodePayload(leaf, payload) }
  }
}

export const capable = (sku: 'AMT' | 'ISM' = 'AMT'): BodyOf<'capability'> => ({
  capable: true,
  sku,
  skuRaw: sku === 'AMT' ? 8 : 16,
  features: sku === 'AMT' ? 'AMT Pro Corporate' : 'Intel Standard Manageability Corporate',
  amtVersion: '16.1.27',
  buildNumber: '2225',
  controlMode: 'PRE_PROVISIONING',
  dnsSuffix: '',
  ras: { networkStatus: 'direct', remoteStatus: 'not connected', remoteTrigger: 'user initiated', mpsHostname: '' },
  meiDevice: '/dev/mei0',
  lms: 'active',
  rpc: { line: 'v2', version: '2.48.0' },
})

export const notCapable = (reason: string): BodyOf<'capability'> => ({
  capable: false,
  sku: 'UNSPECIFIED',
  reason,
  skuRaw: null,
  features: '',
  amtVersion: '',
  buildNumber: '',
  controlMode: 'UNKNOWN',
  dnsSuffix: '',
  ras: null,
  meiDevice: null,
  lms: 'not-managed',
  rpc: { line: 'v2', version: '2.48.0' },
})
