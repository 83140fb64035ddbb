import test from 'ava'
import { desiredProvisioned, startAgentHarness } from '../../helpers/agent-harness.ts'

// AMT password rotation on the agent (docs/credentials.md "Rotation"): the real agent, the rpc CLI adapter running
// the rpc emulator, a real broker, and a test manager principal answering secret/req purpose rotate.

const OLD = 'Old!Password1'
const OLDER = 'Older!Password0'
const NEW = 'New!Password2'
const ROTATION_ID = '2b0e6f4c-93a5-4c39-9d55-0c6a1f3f7e11'

type Call = { event: string; argv?: string[]; env?: string[] }
const passwordChanges = (lines: string[]) =>
  lines.map((line) => JSON.parse(line) as Call).filter((c) => c.event === 'start' && c.argv?.[0] === 'configure')
const rotationAsked = (generation: number) => ({ ...desiredProvisioned(generation), rotationId: ROTATION_ID })
const activated = (password: string, extra: Record<string, unknown> = {}) => ({
  rpcLine: 'v3' as const,
  controlMode: 'ccm' as const,
  password,
  ras: { remoteStatus: 'connected' as const },
  ...extra,
})

test('rpc v3: the password changes through `configure amtpassword` with both passwords only in the environment, confirmed with the new one', async (t) => {
  const { manager, device, logs } = await startAgentHarness(t, { device: activated(OLD), captureLogs: true })
  manager.answerCandidates([OLD], { newPassword: NEW })
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired(rotationAsked(1))

  const confirmed = await manager.waitFor('events', (e) => e.kind.startsWith('rotation.'))
  t.like(confirmed, { kind: 'rotation.confirmed', generation: 1, detail: { rotationId: ROTATION_ID } })
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.observedGeneration === 1)
  t.like(await device.read(), { password: NEW, controlMode: 'ccm' })
  t.like(manager.received('secret/req')[0], { purpose: 'rotate', generation: 1 })

  const calls = passwordChanges(await device.calls())
  t.is(calls.length, 2, 'the change, then the confirmation authenticated with the new password')
  for (const call of calls) {
    t.deepEqual(call.argv, ['configure', 'amtpassword', '--json'], 'no password in argv')
    t.deepEqual(call.env, ['AMT_PASSWORD', 'RPC_NEWAMTPASSWORD'])
  }
  const everything = JSON.stringify([calls, manager.received('events'), manager.received('state'), logs()])
  for (const password of [OLD, NEW]) t.false(everything.includes(password), 'no password in argv, events or logs')
})

test('AMT refuses the current password (exit 10, 401): the next candidate works, the change goes through', async (t) => {
  const { manager, device } = await startAgentHarness(t, { device: activated(OLDER) })
  manager.answerCandidates([OLD, OLDER], { newPassword: NEW })
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired(rotationAsked(1))

  t.like(await manager.waitFor('events', (e) => e.kind.startsWith('rotation.')), { kind: 'rotation.confirmed' })
  t.like(await device.read(), { password: NEW })
  t.deepEqual(
    manager.received('secret/req').map((r) => [r.purpose, r.candidate]),
    [
      ['rotate', undefined],
      ['rotate', 1],
    ],
  )
  const refused = manager.received('events').find((e) => e.kind === 'rpc.failed')
  t.like(refused, { detail: { code: 10 } })
  t.regex(refused?.message ?? '', /401 unauthorized/)
  t.like(
    manager.received('events').find((e) => e.kind === 'secret.candidate-worked'),
    { detail: { candidate: 1 } },
  )
})

test('the update fails (changePasswordFails): rotation.failed with rpc’s code, AMT keeps the old password, no retry', async (t) => {
  const { manager, device } = await startAgentHarness(t, {
    device: activated(OLD, { faults: { changePasswordFails: true } }),
  })
  manager.answerCandidates([OLD], { newPassword: NEW })
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired(rotationAsked(1))

  const failed = await manager.waitFor('events', (e) => e.kind.startsWith('rotation.'))
  t.like(failed, { kind: 'rotation.failed', generation: 1, detail: { rotationId: ROTATION_ID, code: 10 } })
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.observedGeneration === 1)
  t.like(await device.read(), { password: OLD })
  t.is(passwordChanges(await device.calls()).length, 1, 'one attempt per rotation')
})

test('rpc v2: the agent refuses the rotation (ROTATION_UNSUPPORTED) without asking for a password or running rpc', async (t) => {
  const { manager, device } = await startAgentHarness(t, { device: activated(OLD, { rpcLine: 'v2' }) })
  manager.answerCandidates([OLD], { newPassword: NEW })
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired(rotationAsked(1))

  const failed = await manager.waitFor('events', (e) => e.kind.startsWith('rotation.'))
  t.like(failed, { kind: 'rotation.failed', detail: { rotationId: ROTATION_ID, name: 'ROTATION_UNSUPPORTED' } })
  t.regex(failed.message, /^ROTATION_UNSUPPORTED: rpc v2 takes the new AMT password only on its command line/)
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED' && s.observedGeneration === 1)
  t.is(manager.received('secret/req').length, 0)
  t.is(passwordChanges(await device.calls()).length, 0)
  t.like(await device.read(), { password: OLD })
})
