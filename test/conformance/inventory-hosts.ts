import test from 'ava'
import type { HostPatch } from '../../manager/inventory/port.ts'
import { keyOf, nowSeconds, assertWrittenSince, rejectsWith, seed, type SuiteContext } from './inventory-support.ts'

const key = { tenantId: 'acme', hostId: '4C4C4544-0035-5910-8044-B4C04F4A4E31' }

export function hostConformance({ label, open }: SuiteContext): void {
  test(`${label}: createHost applies the documented defaults`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 'acme' })
    const from = nowSeconds()
    const host = await inventory.createHost(key)
    const { statusTimestamp, powerStatusTimestamp, createdAt, updatedAt, ...rest } = host
    t.deepEqual(rest, {
      ...key,
      name: key.hostId,
      desiredState: 'UNSPECIFIED',
      currentState: 'UNSPECIFIED',
      sku: 'UNSPECIFIED',
      status: 'Unknown',
      statusIndicator: 'UNSPECIFIED',
      controlMode: 'CCM',
      dnsSuffix: '',
      desiredGeneration: 0,
      observedGeneration: 0,
      phase: null,
      reportedControlMode: null,
      capability: null,
      online: false,
      bootId: null,
      lastSeen: null,
      lastSeq: {},
      agentKind: 'mqtt',
      activationRequestedAt: null,
      localDeactivation: false,
      deletion: 'none',
      desiredPowerState: 'UNSPECIFIED',
      currentPowerState: 'UNSPECIFIED',
      powerStatus: 'Unknown',
      powerStatusIndicator: 'UNSPECIFIED',
      powerStateReadAt: null,
      labels: {},
      policyOverride: null,
      rotation: null,
      version: 1,
    })
    assertWrittenSince(t, statusTimestamp, from)
    assertWrittenSince(t, powerStatusTimestamp, from)
    t.is(createdAt, updatedAt)
    t.deepEqual(await inventory.getHost(key), host)
  })

  test(`${label}: reportedControlMode (what the agent reports) is stored apart from the desired controlMode`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 'acme' })
    await inventory.createHost({ ...key, controlMode: 'ACM' })
    const stored = await inventory.updateHost(key, { reportedControlMode: 'CCM', currentState: 'PROVISIONED' })
    t.like(stored, { controlMode: 'ACM', reportedControlMode: 'CCM', desiredGeneration: 0 }, 'not a desired write')
    t.like(await inventory.getHost(key), { reportedControlMode: 'CCM' })
    await rejectsWith(
      t,
      inventory.updateHost(key, { reportedControlMode: 'FULL' as unknown as 'ACM' }),
      'INVENTORY_INVALID_INPUT',
    )
    t.like(await inventory.updateHost(key, { reportedControlMode: null }), { reportedControlMode: null })
  })

  test(`${label}: createHost keeps name, control mode, DNS suffix and agent kind`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 'acme' })
    await inventory.createHost({
      ...key,
      name: 'edge-1',
      controlMode: 'ACM',
      dnsSuffix: 'corp.example',
      agentKind: 'grpc',
    })
    t.like(await inventory.getHost(key), {
      name: 'edge-1',
      controlMode: 'ACM',
      dnsSuffix: 'corp.example',
      agentKind: 'grpc',
    })
  })

  test(`${label}: createHost errors: unknown tenant, duplicate, invalid id`, async (t) => {
    const inventory = await open(t)
    const noTenant = await rejectsWith(t, inventory.createHost(key), 'INVENTORY_NOT_FOUND')
    t.like(noTenant.details, { entity: 'tenant', tenantId: 'acme' })
    await inventory.createTenant({ tenantId: 'acme' })
    await inventory.createHost({ ...key, name: 'first' })
    const duplicate = await rejectsWith(t, inventory.createHost({ ...key, name: 'second' }), 'INVENTORY_ALREADY_EXISTS')
    t.like(duplicate.details, { entity: 'host', ...key })
    t.is((await inventory.getHost(key)).name, 'first')
    await rejectsWith(t, inventory.createHost({ tenantId: 'acme', hostId: 'a/b' }), 'INVENTORY_INVALID_INPUT')
    await rejectsWith(
      t,
      // @ts-expect-error: an unknown control mode from an untyped caller
      inventory.createHost({ tenantId: 'acme', hostId: 'h2', controlMode: 'XCM' }),
      'INVENTORY_INVALID_INPUT',
    )
  })

  test(`${label}: getHost of an unknown host is NOT_FOUND; findHost gives null`, async (t) => {
    const inventory = await open(t)
    await inventory.createTenant({ tenantId: 'acme' })
    const err = await rejectsWith(t, inventory.getHost(key), 'INVENTORY_NOT_FOUND')
    t.like(err.details, { entity: 'host', ...key })
    t.is(await inventory.findHost(key), null)
    const host = await inventory.createHost(key)
    t.deepEqual(await inventory.findHost(key), host)
  })

  test(`${label}: tenant isolation: the same hostId in two tenants are two hosts`, async (t) => {
    const inventory = await open(t)
    await seed(inventory, ['a', 'b'], 1)
    const hostId = 'h-0000'
    await inventory.updateHost({ tenantId: 'a', hostId }, { currentState: 'PROVISIONED', name: 'in a' })
    t.like(await inventory.getHost({ tenantId: 'b', hostId }), {
      currentState: 'UNSPECIFIED',
      name: hostId,
      version: 1,
    })
    await inventory.deleteHost({ tenantId: 'a', hostId })
    t.is(await inventory.findHost({ tenantId: 'a', hostId }), null)
    t.truthy(await inventory.findHost({ tenantId: 'b', hostId }))
    await inventory.createTenant({ tenantId: 'c' })
    await rejectsWith(t, inventory.getHost({ tenantId: 'c', hostId }), 'INVENTORY_NOT_FOUND')
  })

  test(`${label}: updateHost stores the patch, bumps version and updatedAt, returns the stored host`, async (t) => {
    const inventory = await open(t)
    const [created] = await seed(inventory, ['acme'], 1)
    const updated = await inventory.updateHost(keyOf(created!), {
      currentState: 'PROVISIONED',
      sku: 'AMT',
      online: true,
      phase: 'PROVISIONED',
      observedGeneration: 3,
    })
    t.like(updated, {
      currentState: 'PROVISIONED',
      sku: 'AMT',
      online: true,
      phase: 'PROVISIONED',
      observedGeneration: 3,
      version: 2,
    })
    t.true(updated.updatedAt >= created!.updatedAt)
    t.is(updated.createdAt, created!.createdAt)
    t.deepEqual(await inventory.getHost(keyOf(created!)), updated)
  })

  test(`${label}: updateHost with expectedVersion: match writes, mismatch is VERSION_CONFLICT and writes nothing`, async (t) => {
    const inventory = await open(t)
    const [created] = await seed(inventory, ['acme'], 1)
    const hostKey = keyOf(created!)
    const v2 = await inventory.updateHost(hostKey, { name: 'v2' }, { expectedVersion: 1 })
    t.is(v2.version, 2)
    const err = await rejectsWith(
      t,
      inventory.updateHost(hostKey, { name: 'stale' }, { expectedVersion: 1 }),
      'INVENTORY_VERSION_CONFLICT',
    )
    t.like(err.details, { ...hostKey, expectedVersion: 1, actualVersion: 2 })
    t.deepEqual(await inventory.getHost(hostKey), v2)
  })

  test(`${label}: concurrent writers with the same expectedVersion: exactly one wins`, async (t) => {
    const inventory = await open(t)
    const [created] = await seed(inventory, ['acme'], 1)
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((name) =>
        inventory.updateHost(keyOf(created!), { name }, { expectedVersion: created!.version }),
      ),
    )
    t.is(results.filter((result) => result.status === 'fulfilled').length, 1)
    t.is((await inventory.getHost(keyOf(created!))).version, 2)
  })

  test(`${label}: updateHost rejects unknown hosts, unknown fields and bad values`, async (t) => {
    const inventory = await open(t)
    const [created] = await seed(inventory, ['acme'], 1)
    await rejectsWith(
      t,
      inventory.updateHost({ tenantId: 'acme', hostId: 'nope' }, { name: 'x' }),
      'INVENTORY_NOT_FOUND',
    )
    const bad: unknown[] = [
      { version: 9 },
      { tenantId: 'other' },
      { currentState: 'ON' },
      { observedGeneration: -1 },
      { statusTimestamp: 1.5 },
      { lastSeen: 'yesterday' },
      { lastSeq: { status: 1 } },
      { name: 'x'.repeat(129) },
    ]
    for (const patch of bad)
      await rejectsWith(t, inventory.updateHost(keyOf(created!), patch as HostPatch), 'INVENTORY_INVALID_INPUT')
    t.deepEqual(await inventory.getHost(keyOf(created!)), created)
  })

  test(`${label}: every status write sets statusTimestamp (now unless given); other writes keep it`, async (t) => {
    const inventory = await open(t)
    const [created] = await seed(inventory, ['acme'], 1)
    const hostKey = keyOf(created!)
    t.is((await inventory.updateHost(hostKey, { status: 'old', statusTimestamp: 1000 })).statusTimestamp, 1000)
    t.is((await inventory.updateHost(hostKey, { online: true, currentState: 'PROVISIONED' })).statusTimestamp, 1000)
    let from = nowSeconds()
    assertWrittenSince(
      t,
      (await inventory.updateHost(hostKey, { status: 'AMT Activation Done', statusIndicator: 'IDLE' })).statusTimestamp,
      from,
    )
    await inventory.updateHost(hostKey, { statusTimestamp: 1000 })
    from = nowSeconds()
    assertWrittenSince(t, (await inventory.updateHost(hostKey, { statusIndicator: 'ERROR' })).statusTimestamp, from)
    await inventory.updateHost(hostKey, { statusTimestamp: 1000 })
    from = nowSeconds()
    const stored = await inventory.updateHost(hostKey, { status: 'AMT Activation Done' })
    assertWrittenSince(t, stored.statusTimestamp, from)
    t.like(stored, { status: 'AMT Activation Done', statusIndicator: 'ERROR' })
  })

  test(`${label}: every power status write sets powerStatusTimestamp`, async (t) => {
    const inventory = await open(t)
    const [created] = await seed(inventory, ['acme'], 1)
    const hostKey = keyOf(created!)
    await inventory.updateHost(hostKey, { powerStatus: 'Power On', powerStatusTimestamp: 1000 })
    t.is(
      (await inventory.updateHost(hostKey, { currentPowerState: 'ON', desiredPowerState: 'RESET' }))
        .powerStatusTimestamp,
      1000,
    )
    const from = nowSeconds()
    const stored = await inventory.updateHost(hostKey, { powerStatusIndicator: 'IN_PROGRESS' })
    assertWrittenSince(t, stored.powerStatusTimestamp, from)
    t.like(stored, {
      currentPowerState: 'ON',
      desiredPowerState: 'RESET',
      powerStatus: 'Power On',
      powerStatusIndicator: 'IN_PROGRESS',
    })
  })

  test(`${label}: status texts are truncated to 1024 UTF-8 bytes without splitting a character`, async (t) => {
    const inventory = await open(t)
    const [created] = await seed(inventory, ['acme'], 1)
    const long = `AMT Activation Failed: ${'é€'.repeat(400)}`
    const stored = await inventory.updateHost(keyOf(created!), { status: long, powerStatus: long })
    t.true(Buffer.byteLength(stored.status) <= 1024 && Buffer.byteLength(stored.status) > 1020)
    t.true(long.startsWith(stored.status))
    t.is(stored.powerStatus, stored.status)
    t.is((await inventory.updateHost(keyOf(created!), { status: 'x'.repeat(1024) })).status.length, 1024)
  })

  test(`${label}: a desired write (desiredState, controlMode or dnsSuffix) bumps desiredGeneration once`, async (t) => {
    const inventory = await open(t)
    const [created] = await seed(inventory, ['acme'], 1)
    const hostKey = keyOf(created!)
    const generations: number[] = []
    for (const patch of [
      { desiredState: 'PROVISIONED' },
      { desiredState: 'PROVISIONED' },
      { controlMode: 'ACM' },
      { dnsSuffix: 'x.example' },
    ] as const) {
      generations.push((await inventory.updateHost(hostKey, patch)).desiredGeneration)
    }
    t.deepEqual(generations, [1, 2, 3, 4])
    t.is(
      (await inventory.updateHost(hostKey, { desiredState: 'UNPROVISIONED', controlMode: 'CCM', dnsSuffix: '' }))
        .desiredGeneration,
      5,
    )
    t.is(
      (await inventory.updateHost(hostKey, { currentState: 'PROVISIONED', observedGeneration: 5, status: 'x' }))
        .desiredGeneration,
      5,
    )
  })

  test(`${label}: lastSeq merges per leaf and restarts with a new bootId`, async (t) => {
    const inventory = await open(t)
    const [created] = await seed(inventory, ['acme'], 1)
    const hostKey = keyOf(created!)
    const boot1 = '0b7f3c1e-9a51-4a8e-8f31-0f1a2b3c4d5e'
    const boot2 = '6d2a9f0e-3c4b-4f5a-9e8d-7c6b5a4f3e2d'
    await inventory.updateHost(hostKey, { bootId: boot1, lastSeq: { presence: 1 } })
    await inventory.updateHost(hostKey, { bootId: boot1, lastSeq: { state: 4 } })
    t.deepEqual((await inventory.updateHost(hostKey, { lastSeq: { state: 5, capability: 2 } })).lastSeq, {
      presence: 1,
      state: 5,
      capability: 2,
    })
    const rebooted = await inventory.updateHost(hostKey, { bootId: boot2, lastSeq: { presence: 0 } })
    t.like(rebooted, { bootId: boot2, lastSeq: { presence: 0 } })
    t.deepEqual(rebooted.lastSeq, { presence: 0 })
  })

  test(`${label}: capability, presence and activation fields round-trip`, async (t) => {
    const inventory = await open(t)
    const [created] = await seed(inventory, ['acme'], 1)
    const hostKey = keyOf(created!)
    const capability = {
      v: 1 as const,
      ts: '2025-01-02T03:04:05.000Z',
      hostId: hostKey.hostId,
      bootId: '0b7f3c1e-9a51-4a8e-8f31-0f1a2b3c4d5e',
      seq: 2,
      capable: true,
      sku: 'AMT' as const,
      skuRaw: 8,
      features: 'AMT Pro Corporate',
      amtVersion: '16.1.27',
      buildNumber: '2225',
      controlMode: 'PRE_PROVISIONING' as const,
      dnsSuffix: '',
      ras: null,
      meiDevice: '/dev/mei0',
      lms: 'active' as const,
      rpc: { line: 'v2' as const, version: '2.48.0' },
    }
    const stored = await inventory.updateHost(hostKey, {
      capability,
      lastSeen: '2025-01-02T04:04:05+01:00',
      activationRequestedAt: '2025-01-02T03:04:05Z',
      deletion: 'pending',
      agentKind: 'grpc',
    })
    t.deepEqual(stored.capability, capability)
    t.is(stored.lastSeen, '2025-01-02T03:04:05.000Z')
    t.is(stored.activationRequestedAt, '2025-01-02T03:04:05.000Z')
    t.deepEqual(await inventory.getHost(hostKey), stored)
    t.like(
      await inventory.updateHost(hostKey, {
        capability: null,
        lastSeen: null,
        activationRequestedAt: null,
        phase: null,
      }),
      {
        capability: null,
        lastSeen: null,
        activationRequestedAt: null,
        phase: null,
        deletion: 'pending',
        agentKind: 'grpc',
      },
    )
  })

  test(`${label}: a rotation record round-trips, its revert marker too; a malformed one is rejected`, async (t) => {
    const inventory = await open(t)
    const [host] = await seed(inventory, ['acme'], 1)
    if (host === undefined) throw new Error('one host seeded')
    const rotation = {
      id: '0b7e3f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      state: 'failed' as const,
      generation: 2,
      previous: { origin: 'host' as const, version: 1 },
      newVersion: 2,
      actor: 'api:alice',
      requestedAt: '2026-12-07T10:00:00.000Z',
      settledAt: '2026-12-07T10:15:00.000Z',
      reason: 'ROTATION_TIMED_OUT: no outcome from the agent within 15 min',
      mpsCopy: null,
      reverted: false,
    }
    t.deepEqual((await inventory.updateHost(keyOf(host), { rotation })).rotation, rotation)
    t.deepEqual((await inventory.getHost(keyOf(host))).rotation, rotation)
    const reverted = { ...rotation, reverted: true }
    await inventory.updateHost(keyOf(host), { rotation: reverted })
    t.deepEqual((await inventory.getHost(keyOf(host))).rotation, reverted)
    const malformed = { ...rotation, reverted: 'yes' } as unknown as HostPatch['rotation']
    await rejectsWith(t, inventory.updateHost(keyOf(host), { rotation: malformed }), 'INVENTORY_INVALID_INPUT')
  })

  test(`${label}: deleteHost removes the host and its credential, keeps its audit events`, async (t) => {
    const inventory = await open(t)
    const [created] = await seed(inventory, ['acme'], 2)
    const hostKey = keyOf(created!)
    await inventory.putCredential({ ...hostKey, username: 'dev-0', passwordHash: 'scrypt$x' })
    await inventory.appendAudit([
      { ...hostKey, kind: 'desired.set', actor: 'api:admin', detail: { desiredState: 'PROVISIONED' } },
    ])
    await rejectsWith(t, inventory.deleteHost(hostKey, { expectedVersion: 7 }), 'INVENTORY_VERSION_CONFLICT')
    t.truthy(await inventory.findHost(hostKey))
    await inventory.deleteHost(hostKey, { expectedVersion: 1 })
    t.is(await inventory.findHost(hostKey), null)
    t.is(await inventory.getCredentialByUsername('dev-0'), null)
    t.deepEqual(
      (await inventory.listAudit('acme', { hostId: hostKey.hostId })).map((event) => event.kind),
      ['desired.set'],
    )
    await rejectsWith(t, inventory.deleteHost(hostKey), 'INVENTORY_NOT_FOUND')
    t.is((await inventory.listHosts()).hosts.length, 1)
  })
}
