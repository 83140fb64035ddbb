import test from 'ava'
import type { Host, HostPatch } from '../../manager/inventory/port.ts'
import { hostName, keyOf, rejectsWith, seed, type SuiteContext } from './inventory-support.ts'

const a = (i: number) => ({ tenantId: 'a', hostId: hostName(i) })

export function batchConformance({ label, open }: SuiteContext): void {
  test(`${label}: createHosts is all or nothing`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 1)
    const err = await rejectsWith(t, inventory.createHosts([a(5), a(6), a(0), a(7)]), 'INVENTORY_ALREADY_EXISTS')
    t.is(err.details.index, 2)
    t.deepEqual(
      (await inventory.listHosts()).hosts.map((host) => host.hostId),
      [hostName(0)],
    )
    t.is((await inventory.createHosts([])).length, 0)
  })

  test(`${label}: updateHosts applies every update in order in one call`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 3)
    const stored = await inventory.updateHosts([
      { key: a(0), patch: { currentState: 'PROVISIONED', status: 'AMT Activation Done', statusIndicator: 'IDLE' } },
      { key: a(1), patch: { online: true }, expectedVersion: 1 },
      { key: a(0), patch: { observedGeneration: 1 }, expectedVersion: 2 },
    ])
    t.deepEqual(
      stored.map((host) => [host.hostId, host.version]),
      [
        [hostName(0), 2],
        [hostName(1), 2],
        [hostName(0), 3],
      ],
    )
    t.like(await inventory.getHost(a(0)), {
      currentState: 'PROVISIONED',
      observedGeneration: 1,
      statusIndicator: 'IDLE',
      version: 3,
    })
    t.like(await inventory.getHost(a(1)), { online: true, version: 2 })
    t.like(await inventory.getHost(a(2)), { version: 1 })
  })

  const failures: [string, HostPatch, { tenantId: string; hostId: string }, number | undefined, string][] = [
    ['a missing host', { online: true }, a(9), undefined, 'INVENTORY_NOT_FOUND'],
    ['a version conflict', { online: true }, a(2), 5, 'INVENTORY_VERSION_CONFLICT'],
    [
      'an invalid patch',
      { currentState: 'BROKEN' } as unknown as HostPatch,
      a(2),
      undefined,
      'INVENTORY_INVALID_INPUT',
    ],
  ]
  for (const [what, patch, key, expectedVersion, code] of failures) {
    test(`${label}: updateHosts: ${what} rolls back the whole batch`, async (t) => {
      const inventory = await open(t)
      const before = await seed(inventory, ['a'], 3)
      const err = await t.throwsAsync(
        inventory.updateHosts([
          { key: a(0), patch: { status: 'changed' } },
          { key: a(1), patch: { desiredState: 'PROVISIONED' } },
          { key, patch, expectedVersion },
          { key: a(2), patch: { name: 'never' } },
        ]),
      )
      t.like(err, { code, details: { index: 2 } })
      t.deepEqual((await inventory.listHosts()).hosts, before)
    })
  }

  test(`${label}: updateHosts with the caller's copy of the host: written from it, and refused once the stored host moved on`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 2)
    const read = await inventory.getHost(a(0))
    const [first] = await inventory.updateHosts([
      { key: a(0), patch: { phase: 'ACTIVATING' }, expectedVersion: read.version, current: read },
    ])
    t.like(first, { phase: 'ACTIVATING', version: read.version + 1 })
    t.like(await inventory.getHost(a(0)), { phase: 'ACTIVATING', version: read.version + 1 })
    // The same (now stale) copy again: the version guard refuses it, and nothing of the batch is written.
    const err = await rejectsWith(
      t,
      inventory.updateHosts([
        { key: a(1), patch: { name: 'never' } },
        { key: a(0), patch: { phase: 'PROVISIONED' }, expectedVersion: read.version, current: read },
      ]),
      'INVENTORY_VERSION_CONFLICT',
    )
    t.is(err.details.index, 1)
    t.like(await inventory.getHost(a(0)), { phase: 'ACTIVATING' })
    t.not((await inventory.getHost(a(1))).name, 'never')
    // A copy that does not match its key or version is not trusted: the stored row decides.
    const stored = await inventory.getHost(a(1))
    const [other] = await inventory.updateHosts([
      {
        key: a(1),
        patch: { online: true },
        expectedVersion: stored.version,
        current: { ...read, version: stored.version },
      },
    ])
    t.like(other, { hostId: hostName(1), online: true, version: stored.version + 1 })
    await rejectsWith(
      t,
      inventory.updateHosts([
        { key: a(0), patch: { online: true }, expectedVersion: 99, current: { ...read, version: 99 } },
      ]),
      'INVENTORY_VERSION_CONFLICT',
    )
  })

  test(`${label}: setDesiredMany by keys bumps each host's generation once and returns them`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a', 'b'], 3)
    await inventory.updateHost(a(1), { controlMode: 'ACM' })
    const requestedAt = '2025-03-04T05:06:07.000Z'
    const updated = await inventory.setDesiredMany(
      { keys: [a(1), a(0), a(1)] },
      { desiredState: 'PROVISIONED', activationRequestedAt: requestedAt },
    )
    t.deepEqual(
      updated.map((host) => [host.hostId, host.desiredGeneration, host.version]),
      [
        [hostName(1), 2, 3],
        [hostName(0), 1, 2],
      ],
    )
    for (const host of updated) {
      t.like(host, { desiredState: 'PROVISIONED', activationRequestedAt: requestedAt })
      t.deepEqual(await inventory.getHost(keyOf(host)), host)
    }
    t.like(await inventory.getHost(a(2)), { desiredState: 'UNSPECIFIED', desiredGeneration: 0, version: 1 })
    t.like(await inventory.getHost({ tenantId: 'b', hostId: hostName(0) }), { desiredGeneration: 0, version: 1 })
  })

  test(`${label}: setDesiredMany by filter touches exactly the matching hosts`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a', 'b'], 4)
    await inventory.updateHost(a(3), { currentState: 'PROVISIONED' })
    const updated = await inventory.setDesiredMany(
      { filter: { tenantId: 'a', currentState: 'UNSPECIFIED' } },
      { desiredState: 'PROVISIONED' },
    )
    t.deepEqual(
      updated.map((host) => host.hostId),
      [hostName(0), hostName(1), hostName(2)],
    )
    const listed = await inventory.listHosts({ desiredState: 'PROVISIONED' })
    t.deepEqual(listed.hosts, updated)
    t.like(await inventory.getHost(a(3)), { desiredState: 'UNSPECIFIED', desiredGeneration: 0 })
    t.deepEqual(await inventory.setDesiredMany({ filter: { tenantId: 'nobody' } }, { desiredState: 'PROVISIONED' }), [])
  })

  test(`${label}: setDesiredMany is atomic and needs a desired field`, async (t) => {
    const inventory = await open(t)
    const before = await seed(inventory, ['a'], 3)
    const err = await rejectsWith(
      t,
      inventory.setDesiredMany({ keys: [a(0), a(7), a(1)] }, { desiredState: 'PROVISIONED' }),
      'INVENTORY_NOT_FOUND',
    )
    t.is(err.details.index, 1)
    await rejectsWith(t, inventory.setDesiredMany({ filter: {} }, { status: 'x' }), 'INVENTORY_INVALID_INPUT')
    t.deepEqual((await inventory.listHosts()).hosts, before)
  })

  test(`${label}: a write's audit is appended in its transaction, from the hosts as stored; a failed write appends none`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 2)
    const eventsOf = (kind: string) => (stored: readonly Host[]) =>
      stored.map((host) => ({ ...keyOf(host), kind, actor: 'test', detail: { version: host.version } }))
    await inventory.updateHosts([{ key: a(0), patch: { online: true } }], eventsOf('state'))
    await inventory.setDesiredMany({ keys: [a(0), a(1)] }, { desiredState: 'PROVISIONED' }, eventsOf('desired.set'))
    const conflict = [{ key: a(1), patch: { online: true }, expectedVersion: 9 }]
    await rejectsWith(t, inventory.updateHosts(conflict, eventsOf('never')), 'INVENTORY_VERSION_CONFLICT')
    // An audit that cannot be made fails the write (each engine reports it its own way).
    await t.throwsAsync(
      inventory.updateHosts([{ key: a(1), patch: { online: true } }], () => {
        throw new Error('no audit')
      }),
    )
    t.like(await inventory.getHost(a(1)), { online: false, version: 2 }, 'the write whose audit failed is not stored')
    const audit = async (i: number) =>
      (await inventory.listAudit('a', { hostId: hostName(i) })).map((event) => [event.kind, event.detail])
    t.deepEqual(await audit(0), [
      ['desired.set', { version: 3 }],
      ['state', { version: 2 }],
    ])
    t.deepEqual(await audit(1), [['desired.set', { version: 2 }]])
  })

  test(`${label}: bulk activation of 2000 hosts in one call`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 2000)
    const updated = await inventory.setDesiredMany({ filter: { tenantId: 'a' } }, { desiredState: 'PROVISIONED' })
    t.is(updated.length, 2000)
    t.true(updated.every((host) => host.desiredGeneration === 1 && host.desiredState === 'PROVISIONED'))
    t.deepEqual(await inventory.countHosts({ tenantId: 'a' }), [
      {
        desiredState: 'PROVISIONED',
        currentState: 'UNSPECIFIED',
        statusIndicator: 'UNSPECIFIED',
        phase: null,
        count: 2000,
      },
    ])
  })
}
