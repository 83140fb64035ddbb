import test from 'ava'
import type { Host, HostGroup, HostPageRequest, PutGroupInput } from '../../manager/inventory/port.ts'
import { hostName, rejectsWith, seed, type SuiteContext } from './inventory-support.ts'

const ids = (hosts: readonly Host[]) => hosts.map((host) => host.hostId)

const group = (name: string, extra: Partial<PutGroupInput> = {}): PutGroupInput => ({
  tenantId: 't',
  name,
  selector: { labels: { site: 'berlin' } },
  priority: 10,
  policy: { amt: 'ccm' },
  ...extra,
})

/** Host labels, the per-host policy override and host groups (manager/inventory/amt-policy.ts, labels.ts). */
export function groupConformance({ label, open }: SuiteContext): void {
  test(`${label}: labels are stored with their keys sorted, replaced as a whole, and validated`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 't' })
    const created = await inventory.createHost({ tenantId: 't', hostId: 'h', labels: { site: 'berlin', a: '' } })
    t.deepEqual(Object.keys(created.labels), ['a', 'site'])
    const fresh = await inventory.createHost({ tenantId: 't', hostId: 'plain' })
    t.deepEqual(fresh.labels, {})
    t.is(fresh.policyOverride, null)
    const key = { tenantId: 't', hostId: 'h' }
    const stored = await inventory.updateHost(key, { labels: { 'example.com/model': 'nuc-13', zone: 'b' } })
    t.deepEqual(stored.labels, { 'example.com/model': 'nuc-13', zone: 'b' })
    t.deepEqual((await inventory.getHost(key)).labels, stored.labels)
    t.deepEqual(Object.keys((await inventory.getHost(key)).labels), ['example.com/model', 'zone'])
    const bad = await rejectsWith(
      t,
      inventory.updateHost(key, { labels: { 'Bad Key': 'x' } }),
      'INVENTORY_INVALID_INPUT',
    )
    t.regex(bad.message, /label key "Bad Key": the name must be/)
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))
    await rejectsWith(t, inventory.updateHost(key, { labels: many }), 'INVENTORY_INVALID_INPUT')
    await rejectsWith(t, inventory.updateHost(key, { labels: { k: 'x'.repeat(64) } }), 'INVENTORY_INVALID_INPUT')
    t.deepEqual((await inventory.getHost(key)).labels, stored.labels, 'a refused write changes nothing')
  })

  test(`${label}: labels given to a create are validated with it: a refused label creates nothing`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 't' })
    const bad = await rejectsWith(
      t,
      inventory.createHost({ tenantId: 't', hostId: 'h', labels: { site: 'no spaces' } }),
      'INVENTORY_INVALID_INPUT',
    )
    t.regex(bad.message, /label "site": the value must be empty or/)
    t.is(await inventory.findHost({ tenantId: 't', hostId: 'h' }), null)
    await rejectsWith(
      t,
      inventory.createHosts([
        { tenantId: 't', hostId: 'a', labels: { site: 'berlin' } },
        { tenantId: 't', hostId: 'b', labels: { 'Bad Key': '' } },
      ]),
      'INVENTORY_INVALID_INPUT',
    )
    t.deepEqual((await inventory.listHosts({ tenantId: 't' })).hosts, [], 'all or nothing')
    const created = await inventory.createHosts([
      { tenantId: 't', hostId: 'a', labels: { site: 'berlin', rack: '7' } },
      { tenantId: 't', hostId: 'b' },
    ])
    t.deepEqual(
      created.map((host) => [host.labels, host.version]),
      [
        [{ rack: '7', site: 'berlin' }, 1],
        [{}, 1],
      ],
    )
    const listed = await inventory.listHosts({ tenantId: 't', labels: [{ key: 'site', value: 'berlin' }] })
    t.deepEqual(ids(listed.hosts), ['a'], 'stored by the create itself, and found by the label filter')
  })

  test(`${label}: listHosts filters by labels (key=value ANDed, or the key present)`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['t', 'u'], 4)
    const labelled: [string, string, Record<string, string>][] = [
      ['t', hostName(0), { site: 'berlin', model: 'nuc' }],
      ['t', hostName(1), { site: 'berlin' }],
      ['t', hostName(2), { site: 'paris', 'a.b/c': '' }],
      ['u', hostName(0), { site: 'berlin', model: 'nuc' }],
    ]
    for (const [tenantId, hostId, labels] of labelled) await inventory.updateHost({ tenantId, hostId }, { labels })
    const list = async (request: HostPageRequest) => {
      const page = await inventory.listHosts({ tenantId: 't', withTotal: true, ...request })
      t.is(page.total, page.hosts.length)
      return ids(page.hosts)
    }
    t.deepEqual(await list({ labels: [{ key: 'site', value: 'berlin' }] }), [hostName(0), hostName(1)])
    t.deepEqual(
      await list({
        labels: [
          { key: 'site', value: 'berlin' },
          { key: 'model', value: 'nuc' },
        ],
      }),
      [hostName(0)],
    )
    t.deepEqual(await list({ labels: [{ key: 'model' }] }), [hostName(0)])
    t.deepEqual(await list({ labels: [{ key: 'a.b/c' }] }), [hostName(2)])
    t.deepEqual(await list({ labels: [{ key: 'a.b/c', value: '' }] }), [hostName(2)])
    t.deepEqual(await list({ labels: [{ key: 'site', value: 'rome' }] }), [])
    t.deepEqual(await list({ labels: [{ key: 'site' }], sort: '-hostId' }), [hostName(2), hostName(1), hostName(0)])
    t.deepEqual(await list({ labels: [] }), [0, 1, 2, 3].map(hostName))
    await rejectsWith(t, inventory.listHosts({ labels: [{ key: "x'y" }] }), 'INVENTORY_INVALID_INPUT')
  })

  test(`${label}: setDesiredMany by a label filter writes exactly the hosts the same listHosts filter gives`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['t', 'u'], 4)
    await inventory.updateHost({ tenantId: 't', hostId: hostName(0) }, { labels: { site: 'berlin', rack: '7' } })
    await inventory.updateHost({ tenantId: 't', hostId: hostName(2) }, { labels: { site: 'berlin' } })
    await inventory.updateHost({ tenantId: 't', hostId: hostName(3) }, { labels: { site: 'paris', rack: '7' } })
    await inventory.updateHost({ tenantId: 'u', hostId: hostName(1) }, { labels: { site: 'berlin' } })
    const written = async (labels: HostPageRequest['labels']) => {
      const filter = { tenantId: 't', labels }
      const listed = ids((await inventory.listHosts(filter)).hosts)
      const updated = ids(await inventory.setDesiredMany({ filter }, { desiredState: 'PROVISIONED' }))
      t.deepEqual(updated, listed)
      return updated
    }
    t.deepEqual(await written([{ key: 'site', value: 'berlin' }]), [hostName(0), hostName(2)])
    t.deepEqual(await written([{ key: 'rack' }]), [hostName(0), hostName(3)])
    t.deepEqual(await written([{ key: 'rack' }, { key: 'site', value: 'paris' }]), [hostName(3)])
    t.deepEqual(await written([{ key: 'site', value: 'rome' }]), [])
    const generations = (await inventory.listHosts({})).hosts.map((host) => [
      host.tenantId,
      host.hostId,
      host.desiredGeneration,
    ])
    t.deepEqual(generations, [
      ['t', hostName(0), 2],
      ['t', hostName(1), 0],
      ['t', hostName(2), 1],
      ['t', hostName(3), 2],
      ['u', hostName(0), 0],
      ['u', hostName(1), 0],
      ['u', hostName(2), 0],
      ['u', hostName(3), 0],
    ])
  })

  test(`${label}: a policy override is stored, validated and cleared`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['t'], 1)
    const key = { tenantId: 't', hostId: hostName(0) }
    const stored = await inventory.updateHost(key, { policyOverride: { amt: 'acm', acmFallback: 'ccm' } })
    t.deepEqual(stored.policyOverride, { amt: 'acm', acmFallback: 'ccm' })
    t.deepEqual((await inventory.getHost(key)).policyOverride, { amt: 'acm', acmFallback: 'ccm' })
    const bad = await rejectsWith(
      t,
      inventory.updateHost(key, { policyOverride: { amt: 'ccm', acmFallback: 'ccm' } }),
      'INVENTORY_INVALID_INPUT',
    )
    t.regex(bad.message, /acmFallback goes with amt "acm" only/)
    t.is((await inventory.updateHost(key, { policyOverride: null })).policyOverride, null)
    t.is((await inventory.getHost(key)).policyOverride, null)
  })

  test(`${label}: groups are created, replaced with a new version, listed by priority then name, deleted`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 't' })
    await inventory.createTenant({ tenantId: 'u' })
    const first = await inventory.putGroup(group('berlin', { selector: { labels: { z: '1', a: '2' } } }))
    t.is(first.version, 1)
    t.deepEqual(Object.keys(first.selector.labels ?? {}), ['a', 'z'])
    t.is(first.createdAt, first.updatedAt)
    await inventory.putGroup(group('all', { priority: 100, selector: {}, policy: { amt: 'none' } }))
    await inventory.putGroup(
      group('acm', {
        priority: 10,
        selector: { facts: { capability: 'AMT', amtVersionPrefix: '16.' } },
        policy: { amt: 'acm', acmFallback: 'ccm' },
      }),
    )
    await inventory.putGroup({ ...group('other'), tenantId: 'u' })
    t.deepEqual(
      (await inventory.listGroups('t')).map((stored) => stored.name),
      ['acm', 'berlin', 'all'],
    )
    const second = await inventory.putGroup(group('berlin', { priority: 1 }), { expectedVersion: 1 })
    t.is(second.version, 2)
    t.is(second.createdAt, first.createdAt)
    t.deepEqual(await inventory.getGroup('t', 'berlin'), second)
    t.deepEqual((await inventory.getGroup('t', 'acm')).policy, { amt: 'acm', acmFallback: 'ccm' })
    t.deepEqual((await inventory.getGroup('t', 'acm')).selector, {
      facts: { capability: 'AMT', amtVersionPrefix: '16.' },
    })
    const conflict = await rejectsWith(
      t,
      inventory.putGroup(group('berlin'), { expectedVersion: 1 }),
      'INVENTORY_VERSION_CONFLICT',
    )
    t.is(conflict.details.entity, 'group')
    await rejectsWith(t, inventory.putGroup(group('nope'), { expectedVersion: 1 }), 'INVENTORY_NOT_FOUND')
    await inventory.deleteGroup('t', 'berlin')
    const gone = await rejectsWith(t, inventory.getGroup('t', 'berlin'), 'INVENTORY_NOT_FOUND')
    t.is(gone.details.entity, 'group')
    await rejectsWith(t, inventory.deleteGroup('t', 'berlin'), 'INVENTORY_NOT_FOUND')
    t.deepEqual(
      (await inventory.listGroups('u')).map((stored) => stored.name),
      ['other'],
    )
  })

  test(`${label}: a group write and its audit events are one transaction: both are stored, or neither`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 't' })
    const event = (kind: string) => (stored: HostGroup) => [
      { tenantId: 't', kind, actor: 'api:x', detail: { group: stored.name, version: stored.version } },
    ]
    const first = await inventory.putGroup(group('berlin'), { audit: event('group.set') })
    t.is(first.version, 1)
    const groupEvents = async () =>
      (await inventory.listAudit('t')).filter((e) => e.kind.startsWith('group.')).map((e) => [e.kind, e.detail])
    t.deepEqual(await groupEvents(), [['group.set', { group: 'berlin', version: 1 }]])

    // The second event is refused by the Inventory (no kind) after the group row and the first event were written.
    const failing = (stored: HostGroup) => [...event('group.set')(stored), { tenantId: 't', kind: '', actor: 'api:x' }]
    await rejectsWith(
      t,
      inventory.putGroup(group('berlin', { priority: 99 }), { audit: failing }),
      'INVENTORY_INVALID_INPUT',
    )
    await rejectsWith(t, inventory.putGroup(group('rome'), { audit: failing }), 'INVENTORY_INVALID_INPUT')
    await rejectsWith(t, inventory.deleteGroup('t', 'berlin', { audit: failing }), 'INVENTORY_INVALID_INPUT')
    t.like(await inventory.getGroup('t', 'berlin'), { version: 1, priority: 10 }, 'no replace, no delete')
    t.deepEqual(
      (await inventory.listGroups('t')).map((g) => g.name),
      ['berlin'],
      'no create',
    )
    t.is((await groupEvents()).length, 1, 'no event of a write that was not stored')

    await inventory.putGroup(group('berlin', { priority: 5 }), { audit: event('group.set') })
    await inventory.deleteGroup('t', 'berlin', { audit: event('group.deleted') })
    await rejectsWith(t, inventory.deleteGroup('t', 'berlin', { audit: event('group.deleted') }), 'INVENTORY_NOT_FOUND')
    t.deepEqual(await groupEvents(), [
      ['group.deleted', { group: 'berlin', version: 2 }],
      ['group.set', { group: 'berlin', version: 2 }],
      ['group.set', { group: 'berlin', version: 1 }],
    ])
  })

  test(`${label}: a group is validated, needs its tenant, and goes with the tenant`, async (t) => {
    const inventory = await open(t)
    const missing = await rejectsWith(t, inventory.putGroup(group('g')), 'INVENTORY_NOT_FOUND')
    t.is(missing.details.entity, 'tenant')
    await inventory.createTenant({ tenantId: 't' })
    const invalid: [Partial<PutGroupInput>, RegExp][] = [
      [{ name: 'Bad Name' }, /group name/],
      [{ priority: 1.5 }, /priority must be an integer/],
      [{ policy: { amt: 'on' as 'ccm' } }, /policy.amt must be one of/],
      [{ selector: { labels: { 'a b': 'x' } } }, /selector.labels: label key/],
      [{ selector: { facts: { capability: 'VPRO' as 'AMT' } } }, /selector.facts.capability/],
      [{ selector: { facts: { amtVersionPrefix: 'x' } } }, /amtVersionPrefix/],
      [{ selector: { other: 1 } as object }, /selector: unknown field "other"/],
    ]
    for (const [extra, message] of invalid) {
      const err = await rejectsWith(t, inventory.putGroup(group('g', extra)), 'INVENTORY_INVALID_INPUT')
      t.regex(err.message, message)
    }
    t.deepEqual(await inventory.listGroups('t'), [])
    await inventory.putGroup(group('g'))
    await inventory.deleteTenant('t')
    await inventory.createTenant({ tenantId: 't' })
    t.deepEqual(await inventory.listGroups('t'), [], "a tenant's groups are deleted with it")
  })
}
