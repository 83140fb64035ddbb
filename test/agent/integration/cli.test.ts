import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import test from 'ava'
import { execa } from 'execa'
import { stringify } from 'yaml'
import { ENV_BROKER_PASSWORD } from '../../../agent/config.ts'
import { AGENT_VERSION } from '../../../agent/version.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { createEmulatedDevice } from '../../helpers/agent-device.ts'
import { connectTestManager } from '../../helpers/agent-manager.ts'
import { LAUNCHER } from '../../helpers/launchers.ts'
import { desiredProvisioned, TENANT, testAgentConfig } from '../../helpers/agent-harness.ts'

const AMT_AGENT = LAUNCHER.agent

test('`amt-agent run` as a child process activates the emulated node, and on SIGTERM says goodbye and exits 0', async (t) => {
  const broker = await startTestBroker(t)
  const hostId = `node-${randomBytes(4).toString('hex')}`
  const credential = await broker.addDevice(TENANT, hostId)
  const manager = await connectTestManager(t, {
    url: broker.url,
    credential: await broker.addManager(),
    tenantId: TENANT,
    hostId,
  })
  const device = await createEmulatedDevice(t)
  const config = testAgentConfig({ url: broker.url, hostId, device, overrides: { lms: { manage: false } } })
  const configFile = join(device.dir, 'agent.yaml')
  await writeFile(
    configFile,
    stringify({ ...config, broker: { ...config.broker, username: credential.username }, log: { level: 'warn' } }),
  )

  const child = execa('node', [AMT_AGENT, 'run', '--config', configFile], {
    env: { [ENV_BROKER_PASSWORD]: credential.password },
    reject: false,
    forceKillAfterDelay: 5000,
  })
  t.teardown(() => {
    child.kill('SIGKILL')
  })

  const online = await manager.waitFor('presence', (p) => p.online, 30_000)
  await manager.publishDesired(desiredProvisioned(1))
  t.like(await manager.waitFor('state', (s) => s.phase === 'PROVISIONED', 30_000), {
    observedGeneration: 1,
    controlMode: 'CCM',
  })

  child.kill('SIGTERM')
  const result = await child
  t.is(result.exitCode, 0, `${String(result.signal)} ${result.stderr} ${result.stdout}`)
  const offline = await manager.waitFor('presence', (p) => !p.online && p.bootId === online.bootId)
  t.true(offline.seq > online.seq)
  t.false(
    result.stdout.includes(credential.password) || result.stderr.includes(credential.password),
    'the broker password is never printed',
  )
})

test('`amt-agent run` with a bad config prints every problem and exits 1', async (t) => {
  const device = await createEmulatedDevice(t)
  const configFile = join(device.dir, 'bad.yaml')
  await writeFile(
    configFile,
    stringify({ tenantId: 'a/b', broker: { url: 'http://nope' }, reconcile: { maxAttempts: 0 } }),
  )
  const result = await execa('node', [AMT_AGENT, 'run', '--config', configFile], { reject: false })
  t.is(result.exitCode, 1)
  for (const path of ['tenantId:', 'broker.url:', 'reconcile.maxAttempts:'])
    t.true(result.stderr.includes(path), result.stderr)
})

test('`amt-agent version` prints the package version, and the commit of a build that knows it', async (t) => {
  const result = await execa('node', [AMT_AGENT, 'version', '--json'])
  const { commit, ...rest } = JSON.parse(result.stdout) as Record<string, unknown>
  t.deepEqual(rest, { app: 'amt-agent', version: AGENT_VERSION })
  if (commit !== undefined)
    t.regex(typeof commit === 'string' ? commit : JSON.stringify(commit), /^[0-9a-f]{7,40}(-dirty)?$/)
})
