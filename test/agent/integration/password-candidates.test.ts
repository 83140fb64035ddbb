import test from 'ava'
import { desiredUnprovisioned, startAgentHarness } from '../../helpers/agent-harness.ts'

const CURRENT = 'Current!Pass3'
const PREVIOUS = 'Previous!Pass2'
const OLDEST = 'Oldest!Pass1'
const RPS = 'wss://rps.example.com/activate'

type Call = { event: string; argv?: string[]; env?: string[] }
const deactivations = (lines: string[]) =>
  lines.map((line) => JSON.parse(line) as Call).filter((c) => c.event === 'start' && c.argv?.[0] === 'deactivate')

test('AMT refuses the current password: the agent asks for the next candidates, deactivates with the one that works, reports which', async (t) => {
  const { manager, device, logs } = await startAgentHarness(t, {
    device: { controlMode: 'acm', password: OLDEST, ras: { remoteStatus: 'connected' } },
    captureLogs: true,
  })
  manager.answerCandidates([CURRENT, PREVIOUS, OLDEST])
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired({ ...desiredUnprovisioned(1), rpsUrl: RPS })

  const worked = await manager.waitFor('events', (e) => e.kind === 'secret.candidate-worked')
  t.like(worked, { generation: 1, detail: { candidate: 2, origin: 'host', version: 1 } })
  await manager.waitFor('state', (s) => s.phase === 'UNPROVISIONED' && s.observedGeneration === 1)
  t.like(await device.read(), { controlMode: 'pre-provisioning' })

  const asked = manager.received('secret/req').map((r) => r.candidate)
  t.deepEqual(asked, [undefined, 1, 2], 'candidate 0 sent as before (absent), then 1 and 2')
  const refused = manager.received('events').filter((e) => e.kind === 'rpc.failed')
  t.deepEqual(
    refused.map((e) => e.detail?.code),
    [23, 23],
    'each refusal recorded',
  )
  const calls = deactivations(await device.calls())
  t.is(calls.length, 3)
  for (const call of calls) t.deepEqual(call.env, ['AMT_PASSWORD'])
  const everything = JSON.stringify([calls, manager.received('events'), manager.received('state'), logs()])
  for (const password of [CURRENT, PREVIOUS, OLDEST]) t.false(everything.includes(password), 'no password leaks')
})

test('every candidate refused: a clear FAILED naming how many were tried, no password in it, no further attempt', async (t) => {
  const { manager, device } = await startAgentHarness(t, {
    device: { controlMode: 'ccm', password: 'Unknown!Pass0', ras: { remoteStatus: 'connected' } },
  })
  manager.answerCandidates([CURRENT, PREVIOUS])
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired({ ...desiredUnprovisioned(1), rpsUrl: RPS })
  const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED' && s.observedGeneration === 1)
  t.like(failed, { error: { code: 23, name: 'MissingOrIncorrectPassword', class: 'permanent' } })
  t.regex(failed.error?.message ?? '', /AMT refused every known password \(2 tried/)
  t.false(JSON.stringify(failed).includes(CURRENT) || JSON.stringify(failed).includes(PREVIOUS))
  t.is(deactivations(await device.calls()).length, 2, 'each candidate once, then no blind retry')
  t.false(manager.received('events').some((e) => e.kind === 'secret.candidate-worked'))
  t.like(await device.read(), { controlMode: 'ccm' })
})

test('a manager that announces no candidates (no `more`): one refusal ends in FAILED, nothing else asked', async (t) => {
  const { manager, device } = await startAgentHarness(t, {
    device: { controlMode: 'ccm', password: OLDEST, ras: { remoteStatus: 'connected' } },
  })
  manager.answerSecrets(CURRENT)
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired({ ...desiredUnprovisioned(1), rpsUrl: RPS })
  const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED' && s.observedGeneration === 1)
  t.like(failed, { error: { code: 23, name: 'MissingOrIncorrectPassword' } })
  t.deepEqual(
    manager.received('secret/req').map((r) => r.candidate),
    [undefined],
  )
  t.is(deactivations(await device.calls()).length, 1)
})

test('the current password works: no candidate asked, no candidate event', async (t) => {
  const { manager, device } = await startAgentHarness(t, {
    device: { controlMode: 'ccm', password: CURRENT, ras: { remoteStatus: 'connected' } },
  })
  manager.answerCandidates([CURRENT, PREVIOUS])
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired({ ...desiredUnprovisioned(1), rpsUrl: RPS })
  await manager.waitFor('state', (s) => s.phase === 'UNPROVISIONED' && s.observedGeneration === 1)
  t.is(manager.received('secret/req').length, 1)
  t.false(manager.received('events').some((e) => e.kind === 'secret.candidate-worked'))
  t.is(deactivations(await device.calls()).length, 1)
})

test('bounded: a manager announcing ever more candidates gets at most 10 tries, then FAILED', async (t) => {
  t.timeout(240_000) // ten rpc child processes on a loaded machine
  const { manager, device } = await startAgentHarness(t, {
    device: { controlMode: 'ccm', password: 'Unknown!Pass0', ras: { remoteStatus: 'connected' } },
  })
  manager.answerCandidates(Array.from({ length: 12 }, (_, n) => `Wrong!Pass${String(n).padStart(2, '0')}`))
  await manager.waitFor('state', (s) => s.phase === 'PROVISIONED')
  await manager.publishDesired({ ...desiredUnprovisioned(1), rpsUrl: RPS })
  const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED' && s.observedGeneration === 1, 200_000)
  t.regex(failed.error?.message ?? '', /AMT refused every known password \(10 tried/)
  t.is(deactivations(await device.calls()).length, 10)
  t.deepEqual(
    manager.received('secret/req').map((r) => r.candidate),
    [undefined, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  )
})
