import test from 'ava'
import type { AppendAuditInput, Inventory } from '../../manager/inventory/port.ts'
import { hostName, rejectsWith, type SuiteContext } from './inventory-support.ts'

const a = (i: number) => ({ tenantId: 'a', hostId: hostName(i) })
const kinds = (list: { kind: string }[]) => list.map((event) => event.kind)
const chatter = (i: number, count: number, ts?: string): AppendAuditInput[] =>
  Array.from({ length: count }, (_, n) => ({
    ...a(i),
    kind: `agent.rpc.started`,
    actor: 'agent',
    detail: { n },
    ...(ts ? { ts } : {}),
  }))

async function countAll(
  inventory: Inventory,
  tenantId: string,
  query: { hostId?: string; class?: 'security' | 'activity' } = {},
) {
  return (await inventory.listAudit(tenantId, { ...query, limit: 10_000 })).length
}

/** Audit classes (security kept apart from activity) and retention (age, count per host), issue #12. */
export function auditConformance({ label, open }: SuiteContext): void {
  test(`${label}: appendAudit classes security kinds apart from device chatter; listAudit filters by class`, async (t) => {
    const inventory = await open(t)
    const stored = await inventory.appendAudit([
      { ...a(0), kind: 'password.read', actor: 'api:ops' },
      { ...a(0), kind: 'agent.rpc.failed', actor: 'agent' },
      { ...a(0), kind: 'credential.rotated', actor: 'manager' },
      { ...a(0), kind: 'state', actor: 'agent' },
      { ...a(0), kind: 'desired.set', actor: 'api:ops' },
    ])
    t.deepEqual(
      stored.map((event) => event.class),
      ['security', 'activity', 'security', 'activity', 'security'],
    )
    t.deepEqual(kinds(await inventory.listAudit('a', { class: 'security' })), [
      'desired.set',
      'credential.rotated',
      'password.read',
    ])
    t.deepEqual(kinds(await inventory.listAudit('a', { hostId: hostName(0), class: 'activity' })), [
      'state',
      'agent.rpc.failed',
    ])
    t.deepEqual(
      (await inventory.listAudit('a')).map((event) => event.class),
      ['security', 'activity', 'security', 'activity', 'security'],
    )
    await rejectsWith(t, inventory.listAudit('a', { class: 'nonsense' as 'security' }), 'INVENTORY_INVALID_INPUT')
  })

  test(`${label}: pruneAuditOlderThan deletes old events of one class only, in bounded batches`, async (t) => {
    const inventory = await open(t)
    const old = '2020-01-01T00:00:00.000Z'
    await inventory.appendAudit([
      ...chatter(0, 5, old),
      { ...a(0), kind: 'password.read', actor: 'api:ops', ts: old },
      ...chatter(1, 2),
    ])
    t.is(await inventory.pruneAuditOlderThan('activity', '2021-01-01T00:00:00.000Z', 3), 3)
    t.is(await inventory.pruneAuditOlderThan('activity', '2021-01-01T00:00:00.000Z', 3), 2)
    t.is(await inventory.pruneAuditOlderThan('activity', '2021-01-01T00:00:00.000Z', 3), 0)
    t.is(await countAll(inventory, 'a', { class: 'activity' }), 2, 'the recent chatter stays')
    t.deepEqual(
      kinds(await inventory.listAudit('a', { class: 'security' })),
      ['password.read'],
      'an old security event is not activity',
    )
    t.is(await inventory.pruneAuditOlderThan('security', '2021-01-01T00:00:00.000Z', 10), 1)
    await rejectsWith(t, inventory.pruneAuditOlderThan('activity', old, 0), 'INVENTORY_INVALID_INPUT')
  })

  test(`${label}: pruneAuditOverCount keeps the newest activity events per host; security and tenant-wide stay`, async (t) => {
    const inventory = await open(t)
    await inventory.appendAudit([
      { ...a(0), kind: 'password.read', actor: 'api:ops' },
      { tenantId: 'a', kind: 'profiles.ensured', actor: 'manager' },
    ])
    await inventory.appendAudit([...chatter(0, 12), ...chatter(1, 3), ...chatter(2, 7)])
    await inventory.appendAudit([{ tenantId: 'b', hostId: hostName(0), kind: 'agent.rpc.started', actor: 'agent' }])
    const first = await inventory.pruneAuditOverCount({ maxPerHost: 4, limit: 5 })
    t.deepEqual(first, { deleted: 5, next: a(0) }, 'bounded: the pass stops at the limit and resumes at the same host')
    let from = first.next
    let deleted = first.deleted
    while (from !== null) {
      const step = await inventory.pruneAuditOverCount({ maxPerHost: 4, limit: 5, hosts: 1, from })
      deleted += step.deleted
      from = step.next
    }
    t.is(deleted, 8 + 3)
    t.is(await countAll(inventory, 'a', { hostId: hostName(0), class: 'activity' }), 4)
    const kept = await inventory.listAudit('a', { hostId: hostName(0), class: 'activity' })
    t.deepEqual(
      kept.map((event) => (event.detail as { n: number }).n),
      [11, 10, 9, 8],
      'the newest are kept',
    )
    t.is(await countAll(inventory, 'a', { hostId: hostName(1) }), 3)
    t.is(await countAll(inventory, 'a', { hostId: hostName(2) }), 4)
    t.deepEqual(kinds(await inventory.listAudit('a', { class: 'security' })), ['password.read'])
    t.true(
      (await inventory.listAudit('a')).some((event) => event.kind === 'profiles.ensured'),
      'tenant-wide events are left to the age limit',
    )
    t.is(await countAll(inventory, 'b'), 1)
    t.deepEqual(await inventory.pruneAuditOverCount({ maxPerHost: 4, limit: 5 }), { deleted: 0, next: null })
  })
}
