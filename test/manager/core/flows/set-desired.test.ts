import test from 'ava'
import { DESIRED_CHUNK } from '../../../../manager/core/flows/set-desired.ts'
import { DomainError } from '../../../../manager/core/errors.ts'
import type { Host } from '../../../../manager/inventory/port.ts'
import { InventoryError } from '../../../../manager/inventory/errors.ts'
import { seedHost, startTestCore, TENANT } from '../../../helpers/manager-core.ts'

test('setDesired PROVISIONED: Inventory first (generation + 1, request time), audit, then retained desired and status', async (t) => {
  const { core, inventory, outbound } = await startTestCore(t, {
    options: { rpsUrl: 'wss://rps.example.com/activate' },
  })
  const host = await seedHost(inventory, 'h-1')
  const [stored] = await core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'api:alice')
  t.like(stored, { desiredState: 'PROVISIONED', desiredGeneration: 1, status: 'Unknown' })
  t.truthy(stored?.activationRequestedAt)
  t.deepEqual(await inventory.getHost(host), stored)
  t.like(outbound.last(host, 'desired'), {
    generation: 1,
    state: 'PROVISIONED',
    controlMode: 'CCM',
    profileName: `${TENANT}_ccm`,
    rpsUrl: 'wss://rps.example.com/activate',
    dnsSuffix: undefined,
  })
  const sent = outbound.published.find((p) => p.topic === `amt/v1/${TENANT}/h-1/desired`)
  t.deepEqual(sent?.options, { qos: 1, retain: true })
  t.false(sent?.payload.toString().includes('password'))
  t.like(outbound.last(host, 'status'), { desiredState: 'PROVISIONED', desiredGeneration: 1, status: 'Unknown' })
  const [audit] = await inventory.listAudit(TENANT, { hostId: 'h-1' })
  t.like(audit, {
    kind: 'desired.set',
    actor: 'api:alice',
    detail: { state: 'PROVISIONED', generation: 1, controlMode: 'CCM' },
  })
})

test('setDesired ACM with a DNS suffix selects the tenant ACM profile; no rpsUrl unless configured', async (t) => {
  const { core, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  await core.setDesired(
    { keys: [host] },
    { state: 'PROVISIONED', controlMode: 'ACM', dnsSuffix: 'corp.example.com' },
    'api:alice',
  )
  t.like(await inventory.getHost(host), { controlMode: 'ACM', dnsSuffix: 'corp.example.com' })
  t.like(outbound.last(host, 'desired'), {
    controlMode: 'ACM',
    profileName: `${TENANT}_acm`,
    dnsSuffix: 'corp.example.com',
    rpsUrl: undefined,
  })
})

test('setDesired UNPROVISIONED closes a pending activation; a repeated request is a new generation', async (t) => {
  const { core, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  await core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'api:alice')
  await core.setDesired({ keys: [host] }, { state: 'UNPROVISIONED' }, 'api:alice')
  await core.setDesired({ keys: [host] }, { state: 'UNPROVISIONED' }, 'api:alice')
  t.like(await inventory.getHost(host), {
    desiredState: 'UNPROVISIONED',
    desiredGeneration: 3,
    activationRequestedAt: null,
  })
  t.deepEqual(
    outbound.payloads(host, 'desired').map((d) => [d.generation, d.state]),
    [
      [1, 'PROVISIONED'],
      [2, 'UNPROVISIONED'],
      [3, 'UNPROVISIONED'],
    ],
  )
})

test('setDesired in bulk by filter: every host of the tenant, none of another', async (t) => {
  const { core, inventory, outbound } = await startTestCore(t)
  await inventory.createTenant({ tenantId: TENANT })
  await inventory.createTenant({ tenantId: 'globex' })
  await inventory.createHosts(Array.from({ length: 1000 }, (_, i) => ({ tenantId: TENANT, hostId: `h-${i}` })))
  await inventory.createHosts([{ tenantId: 'globex', hostId: 'g-1' }])
  const stored = await core.setDesired({ filter: { tenantId: TENANT } }, { state: 'PROVISIONED' }, 'api:ops')
  t.is(stored.length, 1000)
  t.true(stored.every((host) => host.desiredState === 'PROVISIONED' && host.desiredGeneration === 1))
  t.is(outbound.published.filter((p) => p.topic.endsWith('/desired')).length, 1000)
  t.like(await inventory.getHost({ tenantId: 'globex', hostId: 'g-1' }), {
    desiredState: 'UNSPECIFIED',
    desiredGeneration: 0,
  })
  t.is((await inventory.listAudit(TENANT, { limit: 2000 })).length, 1000)
})

test('setDesired PROVISIONED asks the provisioning preparer first; its failure writes and publishes nothing', async (t) => {
  const prepared: Host[][] = []
  let fail = false
  const preparer = {
    prepare: (hosts: readonly Host[]) => {
      prepared.push([...hosts])
      return fail ? Promise.reject(new Error('RPS unreachable')) : Promise.resolve()
    },
  }
  const { core, inventory, outbound } = await startTestCore(t, { preparer })
  const host = await seedHost(inventory, 'h-1')
  await core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'api:alice')
  await core.setDesired({ keys: [host] }, { state: 'UNPROVISIONED' }, 'api:alice')
  t.is(prepared.length, 1, 'only activation is prepared')
  t.is(prepared[0]?.[0]?.hostId, 'h-1')

  fail = true
  outbound.clear()
  const before = await inventory.getHost(host)
  const err = await t.throwsAsync(core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'api:alice'), {
    instanceOf: DomainError,
  })
  t.is(err?.code, 'PREPARATION_FAILED')
  t.regex(err?.message ?? '', /RPS unreachable/)
  t.deepEqual(await inventory.getHost(host), before)
  t.is(outbound.published.length, 0)
})

test('what changes while a chunk is prepared is re-read before the write: a deletion requested, a host gone', async (t) => {
  let meanwhile: () => Promise<void> = () => Promise.resolve()
  const { core, inventory, outbound } = await startTestCore(t, { preparer: { prepare: () => meanwhile() } })
  const hosts = [await seedHost(inventory, 'h-1'), await seedHost(inventory, 'h-2'), await seedHost(inventory, 'h-3')]
  // Another replica's writes, between this one's selection and its write.
  meanwhile = async () => void (await inventory.updateHost(hosts[1]!, { deletion: 'pending' }))
  const deleting = await t.throwsAsync(core.setDesired({ keys: hosts }, { state: 'PROVISIONED' }, 'api:alice'))
  t.like(deleting, {
    code: 'DESIRED_HOST_DELETING',
    message: `host ${TENANT}/h-2 is being deleted; it cannot be activated`,
  })
  meanwhile = () => inventory.deleteHost(hosts[2]!)
  const gone = await t.throwsAsync(
    core.setDesired({ keys: [hosts[0]!, hosts[2]!] }, { state: 'PROVISIONED' }, 'api:alice'),
  )
  t.like(gone, { code: 'INVENTORY_NOT_FOUND', details: { hostId: 'h-3', index: 1 } })
  t.deepEqual(await inventory.getHost(hosts[0]!), hosts[0])
  t.is(outbound.published.length, 0)
})

test('a host written by another writer while its chunk is prepared gets the desired as it is now: its generation counts on, the other write stays', async (t) => {
  let meanwhile: () => Promise<void> = () => Promise.resolve()
  const { core, inventory, outbound } = await startTestCore(t, { preparer: { prepare: () => meanwhile() } })
  const hosts = [await seedHost(inventory, 'h-1'), await seedHost(inventory, 'h-2'), await seedHost(inventory, 'h-3')]
  // Another replica's desired write and an agent's report, between this one's selection and its write.
  meanwhile = async () => {
    await inventory.setDesiredMany({ keys: [hosts[1]!] }, { desiredState: 'UNPROVISIONED' })
    await inventory.updateHost(hosts[2]!, { status: 'reported meanwhile' })
  }
  const stored = await core.setDesired({ filter: { tenantId: TENANT } }, { state: 'PROVISIONED' }, 'api:alice')
  t.deepEqual(
    stored.map((host) => [host.hostId, host.desiredState, host.desiredGeneration, host.status]),
    [
      ['h-1', 'PROVISIONED', 1, 'Unknown'],
      ['h-2', 'PROVISIONED', 2, 'Unknown'],
      ['h-3', 'PROVISIONED', 1, 'reported meanwhile'],
    ],
  )
  t.deepEqual(await inventory.findHosts(hosts), stored)
  t.deepEqual(
    hosts.map((host) => outbound.last(host, 'desired')?.generation),
    [1, 2, 1],
  )
})

test('a bulk request is prepared, written and published in chunks, the next prepared during a write; a failure stops at its chunk and says how far it got', async (t) => {
  const prepared: number[] = []
  const publishedBefore: number[] = []
  const preparer = {
    prepare: (hosts: readonly Host[]) => {
      prepared.push(hosts.length)
      publishedBefore.push(outbound.published.filter((p) => p.topic.endsWith('/desired')).length)
      return prepared.length === 3 ? Promise.reject(new Error('MPS unavailable')) : Promise.resolve()
    },
  }
  const { core, inventory, outbound } = await startTestCore(t, { preparer })
  await inventory.createTenant({ tenantId: TENANT })
  const total = DESIRED_CHUNK * 2 + 10
  await inventory.createHosts(
    Array.from({ length: total }, (_, i) => ({ tenantId: TENANT, hostId: `h-${String(i).padStart(4, '0')}` })),
  )
  const err = await t.throwsAsync(
    core.setDesired({ filter: { tenantId: TENANT } }, { state: 'PROVISIONED' }, 'api:ops'),
    { instanceOf: DomainError },
  )
  t.is(err?.code, 'PREPARATION_FAILED')
  t.regex(err?.message ?? '', new RegExp(`MPS unavailable; desired was set for ${DESIRED_CHUNK * 2} of ${total} hosts`))
  t.deepEqual(prepared, [DESIRED_CHUNK, DESIRED_CHUNK, 10])
  t.deepEqual(
    publishedBefore,
    [0, 0, DESIRED_CHUNK],
    'each chunk is prepared before it is written, while the chunk before it is written',
  )
  const { hosts } = await inventory.listHosts({ tenantId: TENANT, limit: 2000 })
  t.is(hosts.filter((host) => host.desiredGeneration === 1).length, DESIRED_CHUNK * 2)
  t.true(
    hosts.slice(DESIRED_CHUNK * 2).every((host) => host.desiredGeneration === 0),
    'nothing of the failed chunk is written',
  )
})

test('setDesired rejects bad requests and unknown hosts without writing anything', async (t) => {
  const { core, inventory, outbound } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1')
  const bad = [
    { state: 'ON' },
    { state: 'PROVISIONED', controlMode: 'XYZ' },
    { state: 'PROVISIONED', dnsSuffix: 'x'.repeat(256) },
  ] as const
  for (const request of bad) {
    // @ts-expect-error: what an unvalidated caller could send
    const err = await t.throwsAsync(core.setDesired({ keys: [host] }, request, 'api:alice'), {
      instanceOf: DomainError,
    })
    t.is(err?.code, 'DESIRED_INVALID')
  }
  const missing = await t.throwsAsync(
    core.setDesired({ keys: [host, { tenantId: TENANT, hostId: 'h-404' }] }, { state: 'PROVISIONED' }, 'api:alice'),
    {
      instanceOf: InventoryError,
    },
  )
  t.is(missing?.code, 'INVENTORY_NOT_FOUND')
  t.is(missing?.details.index, 1)
  t.deepEqual(await inventory.getHost(host), host)
  t.is(outbound.published.length, 0)
})

test('a host pending deletion cannot be activated', async (t) => {
  const { core, inventory } = await startTestCore(t)
  const host = await seedHost(inventory, 'h-1', [{ desiredState: 'PROVISIONED' }])
  t.is(await core.requestDeletion(host, 'api:alice'), 'pending')
  const err = await t.throwsAsync(core.setDesired({ keys: [host] }, { state: 'PROVISIONED' }, 'api:alice'), {
    instanceOf: DomainError,
  })
  t.is(err?.code, 'DESIRED_HOST_DELETING')
})

test('deletion: a host never asked to activate, or forced, is removed at once', async (t) => {
  const { core, inventory, outbound } = await startTestCore(t)
  const fresh = await seedHost(inventory, 'h-1')
  const provisioned = await seedHost(inventory, 'h-2', [
    { desiredState: 'PROVISIONED', currentState: 'PROVISIONED', phase: 'PROVISIONED' },
  ])
  t.is(await core.requestDeletion(fresh, 'api:alice'), 'deleted')
  t.is(await core.requestDeletion(provisioned, 'api:alice', { force: true }), 'deleted')
  t.deepEqual((await inventory.listHosts()).hosts, [])
  t.true(
    outbound.published.some(
      (p) => p.topic === `amt/v1/${TENANT}/h-2/desired` && p.payload.length === 0 && p.options.retain,
    ),
  )
  const audit = await inventory.listAudit(TENANT)
  t.deepEqual(
    audit.map((event) => [event.hostId, event.kind, (event.detail as { reason: string }).reason]),
    [
      ['h-2', 'host.deleted', 'forced'],
      ['h-1', 'host.deleted', 'amt-off'],
    ],
  )
})

test('an rps URL the desired schema refuses is a configuration error at start', async (t) => {
  const error = await t.throwsAsync(startTestCore(t, { options: { rpsUrl: 'https://rps.example.com' } }), {
    instanceOf: TypeError,
  })
  t.regex(error?.message ?? '', /ws:\/\/ or wss:\/\//)
})
