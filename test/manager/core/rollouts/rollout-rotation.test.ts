import test, { type ExecutionContext } from 'ava'
import type { HostKey, HostPatch } from '../../../../manager/inventory/port.ts'
import type { MpsPasswordCopy, PasswordRotator } from '../../../../manager/ports/provisioning.ts'
import type { RolloutControls } from '../../../../manager/rollouts/rollout.ts'
import { RolloutService } from '../../../../manager/core/rollouts/rollout-service.ts'
import { MemoryRolloutStore } from '../../../../manager/rollouts/memory-rollout-store.ts'
import { decodeRolloutProgress } from '../../../../schemas/rollout-progress.ts'
import { AgentMessages, capable, startTestCore } from '../../../helpers/manager-core.ts'
import { hostName, rolloutFixture, TENANT } from './rollout-fixture.ts'

// A rotation rollout (docs/rollouts.md "Rotating passwords"): the engine on the fake clock starts each member through
// the real core's rotatePassword; the agents' outcomes reach the core as `events` messages, as over MQTT.

const START_MS = Date.parse('2026-12-07T09:00:00.000Z')
const ROTATE = { kind: 'rotate-password' } as const

/** Stages a new version per rotation (no store: versions counted), reverts nothing. */
function countingRotator(): PasswordRotator & { staged: HostKey[] } {
  const staged: HostKey[] = []
  return {
    staged,
    stage: (key) => {
      staged.push(key)
      return Promise.resolve({ newVersion: staged.length + 1, previous: { origin: 'host', version: 1 } })
    },
    revert: () => Promise.resolve({ restored: true, version: null }),
  }
}

/** `hosts` activated hosts whose agents run rpc `lines[i]` (v3 when not given), and the engine over the real core. */
async function rotationFleet(
  t: ExecutionContext,
  hosts: number,
  options: { lines?: Record<number, 'v2' | 'v3'>; mpsCopy?: MpsPasswordCopy; store?: MemoryRolloutStore } = {},
) {
  const clock = { ms: START_MS }
  const rotator = countingRotator()
  const started = await startTestCore(t, {
    now: () => new Date(clock.ms),
    rotator,
    ...(options.mpsCopy === undefined ? {} : { mpsCopy: options.mpsCopy }),
  })
  const { inventory, core, dispatch } = started
  await inventory.createTenant({ tenantId: TENANT })
  const ids = Array.from({ length: hosts }, (_, i) => hostName(i))
  await inventory.createHosts(ids.map((hostId) => ({ tenantId: TENANT, hostId })))
  const activated = (i: number): HostPatch => ({
    sku: 'AMT',
    capability: {
      ...new AgentMessages({ tenantId: TENANT, hostId: hostName(i) }).envelope(),
      ...capable(),
      rpc: { line: options.lines?.[i] ?? 'v3', version: '3.0.0' },
    },
    desiredState: 'PROVISIONED',
    currentState: 'PROVISIONED',
    phase: 'PROVISIONED',
    statusIndicator: 'IDLE',
    observedGeneration: 1,
  })
  await inventory.updateHosts(ids.map((hostId, i) => ({ key: { tenantId: TENANT, hostId }, patch: activated(i) })))
  const fleet = await rolloutFixture(t, hosts, {
    inventory,
    startMs: START_MS,
    ...(options.store === undefined ? {} : { store: options.store }),
    rotatePassword: (key, actor) => core.rotatePassword(key, actor),
  })
  // One clock: the fixture's, read by the core too.
  Object.defineProperty(clock, 'ms', { get: () => fleet.clock.ms })
  fleet.answerWith(() => null)
  const agents = new Map(ids.map((hostId) => [hostId, new AgentMessages({ tenantId: TENANT, hostId })]))

  /** The agent of `hostId` reports its pending rotation's outcome (rpc error name `failedWith`: failed). */
  const answer = async (hostId: string, failedWith?: string): Promise<void> => {
    const host = await inventory.getHost({ tenantId: TENANT, hostId })
    const rotation = host.rotation
    if (rotation === null) throw new Error(`${hostId} has no rotation`)
    const agent = agents.get(hostId)
    if (agent === undefined) throw new Error(`no agent ${hostId}`)
    const { topic, payload } = agent.encode('events', {
      kind: failedWith === undefined ? 'rotation.confirmed' : 'rotation.failed',
      message: failedWith === undefined ? 'AMT password changed and confirmed' : 'AMT refused the password change',
      generation: rotation.generation,
      detail: { rotationId: rotation.id, ...(failedWith === undefined ? {} : { name: failedWith }) },
    })
    const outcome = await dispatch(topic, payload, false)
    if (outcome.outcome !== 'accepted') throw new Error(`event of ${hostId} not accepted`)
  }
  /** Every pending rotation answered (failedWith(hostId) decides), then one engine step. */
  const answerAll = async (failedWith: (hostId: string) => string | undefined = () => undefined) => {
    for (const hostId of ids) {
      const host = await inventory.getHost({ tenantId: TENANT, hostId })
      if (host.rotation?.state === 'pending') await answer(hostId, failedWith(hostId))
    }
    await fleet.step()
  }
  const create = (controls: RolloutControls) =>
    fleet.service.create({ tenantId: TENANT, target: { filter: {} }, action: ROTATE, controls, createdBy: 'test' })
  return { ...fleet, core, inventory, rotator, answer, answerAll, create, ids }
}

test('a rotation rollout starts members at its rate, each member follows its rotation (confirmed, failed)', async (t) => {
  const fleet = await rotationFleet(t, 6)
  const rollout = await fleet.create({ maxConcurrent: 10, maxStartsPerMinute: 60 })
  t.is(rollout.state, 'running')
  t.deepEqual(rollout.action, ROTATE)

  await fleet.step()
  t.is(fleet.rotator.staged.length, 1, 'one start per second at 60/min: no burst')
  await fleet.run(2)
  t.is(fleet.rotator.staged.length, 3)
  t.is(fleet.starts.length, 0, 'no desired state was set by the rollout')
  const [first] = await fleet.store.members(rollout.id)
  const host0 = await fleet.inventory.getHost({ tenantId: TENANT, hostId: hostName(0) })
  t.like(host0.rotation, { state: 'pending', actor: `rollout:${rollout.id}` })
  t.like(first, { status: 'in-progress', generation: host0.rotation?.generation })

  await fleet.answer(hostName(0))
  await fleet.answer(hostName(1), 'AMTAuthenticationFailed')
  await fleet.step()
  const members = await fleet.store.members(rollout.id)
  t.like(members[0], { status: 'succeeded', errorName: null })
  t.like(members[1], { status: 'failed', errorName: 'AMTAuthenticationFailed' })
  t.like(members[2], { status: 'in-progress' })

  for (let i = 0; i < 6 && (await fleet.get(rollout.id)).state === 'running'; i++) await fleet.answerAll()
  const done = await fleet.get(rollout.id)
  t.is(done.state, 'completed')
  t.like(await fleet.store.progress(rollout.id), {
    succeeded: 5,
    failed: 1,
    failedByError: { AMTAuthenticationFailed: 1 },
  })
  t.is(fleet.rotator.staged.length, 6, 'each host rotated once')
  const last = fleet.published.at(-1)
  t.deepEqual(decodeRolloutProgress(last?.payload ?? Buffer.alloc(0))?.action, ROTATE, 'progress names the action')
})

test('rpc v2 hosts are not supported and not-provisioned hosts fail with the code, without a start', async (t) => {
  const fleet = await rotationFleet(t, 4, { lines: { 1: 'v2' } })
  await fleet.inventory.updateHost({ tenantId: TENANT, hostId: hostName(2) }, { currentState: 'UNPROVISIONED' })
  const rollout = await fleet.create({ maxConcurrent: 10, maxStartsPerMinute: 600 })
  await fleet.step()
  const members = await fleet.store.members(rollout.id)
  t.like(members[1], { status: 'not-supported', errorName: null })
  t.like(members[2], { status: 'failed', errorName: 'ROTATION_NOT_POSSIBLE' })
  t.deepEqual(
    fleet.rotator.staged.map(({ hostId }) => hostId),
    [hostName(0), hostName(3)],
    'nothing staged for the refused hosts',
  )
  await fleet.answerAll()
  t.is((await fleet.get(rollout.id)).state, 'completed')
  t.like(await fleet.store.progress(rollout.id), { succeeded: 2, failed: 1, notSupported: 1 })
})

test('the abort rule counts failed rotations: aborted, the rest untouched', async (t) => {
  const fleet = await rotationFleet(t, 10)
  const rollout = await fleet.create({
    maxConcurrent: 2,
    maxStartsPerMinute: 600,
    abort: { failurePercent: 40, minFinished: 2 },
  })
  await fleet.step()
  t.is(fleet.rotator.staged.length, 2)
  await fleet.answerAll(() => 'AMTAuthenticationFailed')
  const aborted = await fleet.get(rollout.id)
  t.is(aborted.state, 'aborted')
  t.regex(aborted.reason ?? '', /failed/)
  t.like(await fleet.store.progress(rollout.id), { failed: 2, pending: 8 })
  await fleet.run(5)
  t.is(fleet.rotator.staged.length, 2, 'no rotation asked after the abort')
  const untouched = await fleet.inventory.getHost({ tenantId: TENANT, hostId: hostName(5) })
  t.is(untouched.rotation, null)
})

test('a restart mid-rollout continues: members in progress are followed by their rotation, the rest started', async (t) => {
  const store = new MemoryRolloutStore()
  const fleet = await rotationFleet(t, 4, { store })
  const rollout = await fleet.create({ maxConcurrent: 2, maxStartsPerMinute: 600 })
  await fleet.step()
  t.is(fleet.rotator.staged.length, 2)
  await fleet.engine.stop()

  // A new engine (another replica, or the manager restarted) on the same store and Inventory.
  const second = await rolloutFixture(t, 4, {
    inventory: fleet.inventory,
    store,
    startMs: fleet.clock.ms,
    rotatePassword: (key, actor) => fleet.core.rotatePassword(key, actor),
  })
  second.answerWith(() => null)
  await fleet.answer(hostName(0))
  await fleet.answer(hostName(1), 'AMTPasswordChangeFailed')
  await second.step()
  const members = await store.members(rollout.id)
  t.like(members[0], { status: 'succeeded' })
  t.like(members[1], { status: 'failed', errorName: 'AMTPasswordChangeFailed' })
  t.is(fleet.rotator.staged.length, 4, 'the new engine started the remaining two')
  await fleet.answer(hostName(2))
  await fleet.answer(hostName(3))
  await second.step()
  t.is((await store.get(TENANT, rollout.id)).state, 'completed')
})

test('a start whose member update was lost is adopted from the host: no second rotation', async (t) => {
  const fleet = await rotationFleet(t, 2)
  const rollout = await fleet.create({ maxConcurrent: 2, maxStartsPerMinute: 600 })
  // As if the engine had asked the rotation and stopped before recording the member.
  await fleet.core.rotatePassword({ tenantId: TENANT, hostId: hostName(0) }, `rollout:${rollout.id}`)
  await fleet.step()
  t.deepEqual(
    fleet.rotator.staged.map(({ hostId }) => hostId),
    [hostName(0), hostName(1)],
  )
  const host0 = await fleet.inventory.getHost({ tenantId: TENANT, hostId: hostName(0) })
  t.like((await fleet.store.members(rollout.id))[0], { status: 'in-progress', generation: host0.rotation?.generation })
  await fleet.answerAll()
  t.like(await fleet.store.progress(rollout.id), { succeeded: 2 })
})

test('MPS copy unconfigured: the rollout is refused at creation', async (t) => {
  const mpsCopy: MpsPasswordCopy = { mode: 'unconfigured', copy: () => Promise.resolve('absent') }
  const fleet = await rotationFleet(t, 1, { mpsCopy })
  const service = new RolloutService({
    store: fleet.store,
    inventory: fleet.inventory,
    now: () => new Date(fleet.clock.ms),
    mpsCopy,
  })
  await t.throwsAsync(
    service.create({
      tenantId: TENANT,
      target: { hostIds: [hostName(0)] },
      action: ROTATE,
      controls: { maxConcurrent: 1, maxStartsPerMinute: 60 },
      createdBy: 'test',
    }),
    { message: /rotation\.mpsPasswordCopy/ },
  )
  t.deepEqual(await fleet.store.list({ tenantId: TENANT }), [])
})
