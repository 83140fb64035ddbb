import { randomBytes } from 'node:crypto'
import test from 'ava'
import { connectTestManager } from '../helpers/agent-manager.ts'
import { desiredProvisioned, TENANT } from '../helpers/agent-harness.ts'
import { startTestBroker } from '../helpers/broker.ts'
import { STEP_MS, until } from './support/processes.ts'
import { printed, sendSignal, spawnAgent, within } from './support/signals.ts'

test('`amt-agent run`: SIGHUP is logged and ignored; the agent still activates afterwards, and SIGTERM exits 0', async (t) => {
  const broker = await startTestBroker(t)
  const hostId = `node-${randomBytes(4).toString('hex')}`
  const credential = await broker.addDevice(TENANT, hostId)
  const manager = await connectTestManager(t, {
    url: broker.url,
    credential: await broker.addManager(),
    tenantId: TENANT,
    hostId,
  })
  const agent = await spawnAgent(t, { brokerUrl: broker.url, hostId, credential })
  const online = await manager.waitFor('presence', (p) => p.online, STEP_MS)

  sendSignal(agent, 'SIGHUP')
  await printed(agent, /"signal":"SIGHUP".*"msg":"SIGHUP ignored: nothing to reload/, 'the SIGHUP log line')
  await manager.publishDesired(desiredProvisioned(1))
  t.like(await manager.waitFor('state', (s) => s.phase === 'PROVISIONED', STEP_MS), { observedGeneration: 1 })

  sendSignal(agent, 'SIGTERM')
  t.deepEqual(
    await within(agent.exited, 'the agent to exit'),
    { exitCode: 0, signal: null },
    agent.output().slice(-2000),
  )
  t.true((await manager.waitFor('presence', (p) => !p.online && p.bootId === online.bootId, STEP_MS)).seq > online.seq)
})

test('`amt-agent run`: a second SIGTERM while the stop waits for a hung rpc exits at once with 2', async (t) => {
  const broker = await startTestBroker(t)
  const hostId = `node-${randomBytes(4).toString('hex')}`
  const credential = await broker.addDevice(TENANT, hostId)
  const manager = await connectTestManager(t, {
    url: broker.url,
    credential: await broker.addManager(),
    tenantId: TENANT,
    hostId,
  })
  // activate hangs and ignores SIGTERM: the agent's stop waits killGraceMs (far beyond this test) before SIGKILL
  const agent = await spawnAgent(t, {
    brokerUrl: broker.url,
    hostId,
    credential,
    device: { faults: { hang: ['activate'], hangIgnoresSigterm: true } },
    rpc: { killGraceMs: 600_000, operationTimeoutMs: 600_000 },
  })
  await manager.waitFor('presence', (p) => p.online, STEP_MS)
  await manager.publishDesired(desiredProvisioned(1))
  const hung = await until(
    async () => {
      const starts = (await agent.device.calls()).map(
        (line) => JSON.parse(line) as { event: string; pid: number; argv: string[] },
      )
      // The device counts neither `version` nor `amtinfo -cert` (read once per firmware) as a call.
      const uncounted = (argv: string[]) =>
        argv.includes('version') || argv.includes('-cert') || argv.includes('--cert')
      const counted = starts.filter((call) => call.event === 'start' && !uncounted(call.argv))
      const activate = counted.find((call) => call.argv.includes('activate'))
      const saved = ((await agent.device.read()).counters as { calls?: number } | undefined)?.calls ?? 0
      // the emulator ignores SIGTERM, saves the device, then hangs: once saved, a SIGTERM cannot end it
      return activate !== undefined && saved === counted.length && activate
    },
    'the activate rpc to hang',
    { dead: agent },
  )
  t.teardown(() => killQuietly(hung.pid))

  sendSignal(agent, 'SIGTERM')
  await printed(agent, /"signal":"SIGTERM"/, 'the agent to start stopping')
  sendSignal(agent, 'SIGTERM')
  t.deepEqual(await within(agent.exited, 'the agent to exit after the second SIGTERM'), { exitCode: 2, signal: null })
  t.regex(agent.output(), /"msg":"second signal: exiting at once"/)
})

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
