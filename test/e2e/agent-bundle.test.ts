import { chmod, copyFile, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { execa } from 'execa'
import { AGENT_BUNDLE, DIST } from '../helpers/launchers.ts'
import { startAgentProcess } from './support/agent-process.ts'
import { activate, getHost, registerHost, startManagerProcess, writeManagerConfig } from './support/manager-process.ts'
import { freePort, tempDir, until } from './support/processes.ts'

test('the agent as shipped to nodes (dist/amt-agent.mjs from npm run build: one executable file) starts, reports and activates', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-bundle-')
  t.is((await stat(AGENT_BUNDLE)).mode & 0o111, 0o111, 'executable')
  const version = await execa(AGENT_BUNDLE, ['version'])
  t.regex(version.stdout, /^\d+\.\d+\.\d+/)

  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    api: { port: apiPort },
    broker: { embedded: { tcp: { port: mqttPort } } },
    log: { level: 'info' },
  })
  const manager = await startManagerProcess(t, { configFile, dataDir: path.join(dir, 'data'), apiPort })
  const key = { tenantId: 'bundle', hostId: 'node-b1' }
  const device = await registerHost(manager, key.tenantId, key.hostId)
  const agent = await startAgentProcess(t, {
    brokerUrl: device.url ?? '',
    ...key,
    credential: device,
    entry: AGENT_BUNDLE,
  })
  await activate(manager, key.tenantId, key.hostId)
  await until(
    async () => (await getHost(manager, key.tenantId, key.hostId)).currentState === 'PROVISIONED',
    'PROVISIONED through the bundled agent',
    { dead: agent },
  )
  t.like(await agent.device.read(), { controlMode: 'ccm', counters: { activations: 1 } })
  t.false(agent.output().includes(device.password), 'no password printed')
})

test('the fleet simulator is a file of its own: the agent alone holds no classic zod, runs, and says simulate is missing', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-bundle-alone-')
  await stat(path.join(DIST, 'amt-agent-simulate.mjs'))
  // Classic zod's English error map names its class ZodError; zod/mini's core says $ZodError only.
  t.false((await readFile(AGENT_BUNDLE, 'utf8')).includes('"ZodError"'), 'no classic zod in the bundle')
  const alone = path.join(dir, 'amt-agent')
  await copyFile(AGENT_BUNDLE, alone)
  await chmod(alone, 0o755)
  t.regex((await execa(alone, ['version'])).stdout, /^\d+\.\d+\.\d+/)
  const simulate = await execa(alone, ['simulate', '--broker', 'mqtt://127.0.0.1:1', '--count', '1'], { reject: false })
  t.is(simulate.exitCode, 1)
  t.regex(simulate.stderr, /^amt-agent simulate: the fleet simulator is not installed with this agent/)
})
