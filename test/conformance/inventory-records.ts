import test from 'ava'
import { hostName, rejectsWith, seed, type SuiteContext } from './inventory-support.ts'

const a = (i: number) => ({ tenantId: 'a', hostId: hostName(i) })

/** Device credentials and audit events. */
export function recordConformance({ label, open }: SuiteContext): void {
  test(`${label}: putCredential stores a host's credential, found by username`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 1)
    const stored = await inventory.putCredential({ ...a(0), username: 'dev-a-0', passwordHash: 'scrypt$1' })
    t.like(stored, { ...a(0), username: 'dev-a-0', passwordHash: 'scrypt$1' })
    t.deepEqual(await inventory.getCredentialByUsername('dev-a-0'), stored)
    t.is(await inventory.getCredentialByUsername('nobody'), null)
  })

  test(`${label}: putCredential again replaces the host's credential (rotation)`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 1)
    await inventory.putCredential({ ...a(0), username: 'old', passwordHash: 'scrypt$1' })
    await inventory.putCredential({ ...a(0), username: 'new', passwordHash: 'scrypt$2' })
    t.is(await inventory.getCredentialByUsername('old'), null)
    t.like(await inventory.getCredentialByUsername('new'), { ...a(0), passwordHash: 'scrypt$2' })
  })

  test(`${label}: replaceCredentialHash writes only over the expected hash (compare-and-set)`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 2)
    const stored = await inventory.putCredential({ ...a(0), username: 'dev-a-0', passwordHash: 'scrypt$old' })
    await inventory.putCredential({ ...a(1), username: 'dev-a-1', passwordHash: 'scrypt$old' })
    t.true(await inventory.replaceCredentialHash('dev-a-0', 'scrypt$old', 'hmac-sha256$new'))
    t.deepEqual(await inventory.getCredentialByUsername('dev-a-0'), { ...stored, passwordHash: 'hmac-sha256$new' })
    t.like(await inventory.getCredentialByUsername('dev-a-1'), { passwordHash: 'scrypt$old' }, 'another host untouched')
    // Rewritten meanwhile (a rotation), or gone: nothing is written.
    t.false(await inventory.replaceCredentialHash('dev-a-0', 'scrypt$old', 'hmac-sha256$stale'))
    t.like(await inventory.getCredentialByUsername('dev-a-0'), { passwordHash: 'hmac-sha256$new' })
    t.false(await inventory.replaceCredentialHash('nobody', 'scrypt$old', 'hmac-sha256$x'))
    t.is(await inventory.getCredentialByUsername('nobody'), null)
  })

  test(`${label}: usernames are unique across hosts and tenants`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a', 'b'], 1)
    await inventory.putCredential({ ...a(0), username: 'device', passwordHash: 'scrypt$a' })
    const err = await rejectsWith(
      t,
      inventory.putCredential({ tenantId: 'b', hostId: hostName(0), username: 'device', passwordHash: 'scrypt$b' }),
      'INVENTORY_ALREADY_EXISTS',
    )
    t.like(err.details, { entity: 'credential', username: 'device' })
    t.like(await inventory.getCredentialByUsername('device'), { tenantId: 'a', passwordHash: 'scrypt$a' })
  })

  test(`${label}: credential errors: unknown host, empty fields, delete of a missing credential`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 1)
    await rejectsWith(t, inventory.putCredential({ ...a(5), username: 'x', passwordHash: 'h' }), 'INVENTORY_NOT_FOUND')
    await rejectsWith(
      t,
      inventory.putCredential({ ...a(0), username: '', passwordHash: 'h' }),
      'INVENTORY_INVALID_INPUT',
    )
    await rejectsWith(
      t,
      inventory.putCredential({ ...a(0), username: 'x', passwordHash: '' }),
      'INVENTORY_INVALID_INPUT',
    )
    await rejectsWith(t, inventory.deleteCredential(a(0)), 'INVENTORY_NOT_FOUND')
    await inventory.putCredential({ ...a(0), username: 'x', passwordHash: 'h' })
    await inventory.deleteCredential(a(0))
    t.is(await inventory.getCredentialByUsername('x'), null)
    t.truthy(await inventory.findHost(a(0)), 'the host stays')
  })

  test(`${label}: appendAudit stores a batch in order with ids, default ts and detail`, async (t) => {
    const inventory = await open(t)
    const before = new Date().toISOString()
    const stored = await inventory.appendAudit([
      { ...a(0), kind: 'state', actor: 'agent', detail: { phase: 'ACTIVATING', nested: [1, true, null] } },
      { tenantId: 'a', kind: 'profiles.ensured', actor: 'manager' },
      { ...a(1), kind: 'desired.set', actor: 'api:ops', ts: '2025-01-01T01:00:00+01:00', detail: 'text' },
    ])
    t.true(stored[0]!.id < stored[1]!.id && stored[1]!.id < stored[2]!.id)
    t.like(stored[1], { hostId: null, detail: null })
    t.true(stored[0]!.ts >= before)
    t.is(stored[2]!.ts, '2025-01-01T00:00:00.000Z')
    t.deepEqual(await inventory.listAudit('a'), [...stored].reverse())
  })

  test(`${label}: listAudit filters by host, pages newest first with limit and before`, async (t) => {
    const inventory = await open(t)
    const events = Array.from({ length: 7 }, (_, i) => ({ ...a(i % 2), kind: `k${i}`, actor: 'agent' }))
    await inventory.appendAudit(events)
    await inventory.appendAudit([{ tenantId: 'b', hostId: hostName(0), kind: 'other-tenant', actor: 'agent' }])
    const kinds = (list: { kind: string }[]) => list.map((event) => event.kind)
    t.deepEqual(kinds(await inventory.listAudit('a', { hostId: hostName(0) })), ['k6', 'k4', 'k2', 'k0'])
    const first = await inventory.listAudit('a', { limit: 3 })
    t.deepEqual(kinds(first), ['k6', 'k5', 'k4'])
    t.deepEqual(kinds(await inventory.listAudit('a', { limit: 3, before: first.at(-1)!.id })), ['k3', 'k2', 'k1'])
    t.deepEqual(kinds(await inventory.listAudit('b')), ['other-tenant'])
    t.deepEqual(await inventory.listAudit('nobody'), [])
  })

  test(`${label}: appendAudit is all or nothing`, async (t) => {
    const inventory = await open(t)
    const err = await rejectsWith(
      t,
      inventory.appendAudit([
        { tenantId: 'a', kind: 'ok', actor: 'x' },
        { tenantId: 'a', kind: '', actor: 'x' },
      ]),
      'INVENTORY_INVALID_INPUT',
    )
    t.is(err.details.index, 1)
    await rejectsWith(
      t,
      inventory.appendAudit([{ tenantId: 'a', kind: 'k', actor: 'x', ts: 'not a time' }]),
      'INVENTORY_INVALID_INPUT',
    )
    t.deepEqual(await inventory.listAudit('a'), [])
  })

  test(`${label}: audit events outlive their host and their tenant`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a'], 1)
    await inventory.appendAudit([{ ...a(0), kind: 'host.registered', actor: 'api:admin' }])
    await inventory.deleteHost(a(0))
    await inventory.appendAudit([{ ...a(0), kind: 'host.deleted', actor: 'manager' }])
    await inventory.deleteTenant('a')
    t.deepEqual(
      (await inventory.listAudit('a', { hostId: hostName(0) })).map((event) => event.kind),
      ['host.deleted', 'host.registered'],
    )
  })
}
