import test from 'ava'
import type { DeviceInit } from '../../helpers/agent-device.ts'
import { desiredProvisioned, desiredUnprovisioned, startAgentHarness } from '../../helpers/agent-harness.ts'
import { HANG_TEST_TIMEOUT_MS, HANG_TIMEOUT_MS } from '../../fixtures/rpc-emulator/timing.ts'
import { processExists } from '../amt/emulator-harness.ts'

type Case = {
  title: string
  device: DeviceInit
  desired: ReturnType<typeof desiredProvisioned | typeof desiredUnprovisioned>
  code: number
  name: string
}

const permanentFailures: Case[] = [
  {
    title: 'LMS missing',
    device: { faults: { lmsMissing: true } },
    desired: desiredProvisioned(1),
    code: 139,
    name: 'LMSConnectionFailed',
  },
  {
    title: 'activation failed',
    device: { faults: { activationFails: 102 } },
    desired: desiredProvisioned(1),
    code: 102,
    name: 'ActivationFailed',
  },
  {
    title: 'wrong AMT password on an ACM device',
    device: {
      controlMode: 'acm',
      password: 'Right-Passw0rd',
      ras: { remoteStatus: 'connected' },
      faults: { wrongPassword: true },
    },
    desired: desiredUnprovisioned(1),
    code: 23,
    name: 'MissingOrIncorrectPassword',
  },
]

for (const { title, device, desired, code, name } of permanentFailures) {
  test(`permanent rpc failure (${title}) → FAILED with ${code} ${name} at once`, async (t) => {
    const { manager } = await startAgentHarness(t, { device })
    manager.answerSecrets('Wrong-Passw0rd')
    await manager.publishDesired(desired)
    const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED')
    t.like(failed, { observedGeneration: 1, error: { code, name, class: 'permanent' } })
    t.is(
      manager.received('events').filter((e) => e.kind === 'retry.scheduled').length,
      0,
      'no retry of a permanent failure',
    )
    t.like(await manager.waitFor('events', (e) => e.kind === 'rpc.failed'), { generation: 1, detail: { code, name } })
  })
}

test('transient exit 10 (interrupted system call) is retried with backoff, then succeeds', async (t) => {
  // Calls are numbered amtinfo=1 (start), then amtinfo=2 and activate=3 for the desired.
  const { manager } = await startAgentHarness(t, { device: { faults: { transientOnCall: 3 } } })
  await manager.waitFor('state', (s) => s.phase === 'UNPROVISIONED')
  await manager.publishDesired(desiredProvisioned(1))
  const retry = await manager.waitFor('events', (e) => e.kind === 'retry.scheduled')
  t.like(retry, { generation: 1, detail: { attempt: 1, maxAttempts: 3, name: 'GenericFailure' } })
  const retrying = await manager.waitFor('state', (s) => s.phase === 'ACTIVATING' && s.error !== undefined)
  t.like(retrying.error, { code: 10, class: 'transient' })
  t.like(await manager.waitFor('state', (s) => s.phase === 'PROVISIONED'), {
    observedGeneration: 1,
    controlMode: 'CCM',
  })
})

test('a hanging rpc is killed at the operation timeout and reported', async (t) => {
  // The timeout is far above the emulator's cold start (timing.ts): the rpc killed is one that was up and hanging.
  t.timeout(HANG_TEST_TIMEOUT_MS)
  const { manager, device } = await startAgentHarness(t, {
    device: { faults: { hang: ['activate'] } },
    overrides: { rpc: { operationTimeoutMs: HANG_TIMEOUT_MS }, reconcile: { maxAttempts: 1 } },
  })
  await manager.publishDesired(desiredProvisioned(1))
  const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED', HANG_TEST_TIMEOUT_MS - 5_000)
  t.like(failed, { observedGeneration: 1, error: { code: null, name: 'RpcTimeout', class: 'transient' } })
  t.regex(failed.error?.message ?? '', new RegExp(`${HANG_TIMEOUT_MS} ms and was killed`))
  const calls = (await device.calls()).map(
    (line) => JSON.parse(line) as { event: string; argv?: string[]; pid: number },
  )
  const activate = calls.find((c) => c.event === 'start' && c.argv?.[0] === 'activate')
  t.truthy(activate, 'the emulator was up and hanging before the timeout')
  t.false(
    calls.some((c) => c.event === 'end' && c.pid === activate?.pid),
    'the hanging rpc never finished by itself',
  )
  t.false(processExists(activate?.pid ?? 0), 'and is gone')
})

test('garbage on stdout → FAILED with RpcBadOutput, the agent keeps running', async (t) => {
  const { manager, agent } = await startAgentHarness(t, { device: { faults: { garbageStdout: true } } })
  const failed = await manager.waitFor('state', (s) => s.phase === 'FAILED')
  t.like(failed.error, { code: null, name: 'RpcBadOutput', class: 'permanent' })
  t.true(agent.snapshot().connection.connected)
})
