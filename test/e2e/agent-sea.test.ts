import path from 'node:path'
import test from 'ava'
import { execa } from 'execa'
import { ENV_BROKER_PASSWORD } from '../../agent/config.ts'
import { VERSION_LINE } from '../helpers/version-line.ts'
import { startAgentProcess } from './support/agent-process.ts'
import { activate, getHost, registerHost, startManagerProcess, writeManagerConfig } from './support/manager-process.ts'
import { freePort, ROOT, STEP_MS, tempDir, until } from './support/processes.ts'

/** Copying and injecting the ~90 MB runtime takes a while on a loaded 2-core machine. */
const BUILD_MS = 240_000

test('the single executable (npm run build:agent-sea, Node.js embedded) runs without node on its PATH: version, run, status', async (t) => {
  t.timeout(BUILD_MS + 4 * STEP_MS)
  const dir = await tempDir(t, 'amt-e2e-sea-')
  const executable = path.join(dir, 'amt-agent')
  await execa('npx', ['tsx', 'scripts/build-agent-sea.ts', executable], { cwd: ROOT, timeout: BUILD_MS })
  // Only an empty directory on the PATH: neither node nor anything else can be found there.
  const env = { PATH: await tempDir(t, 'amt-e2e-empty-path-') }
  const version = await execa(executable, ['--version'], { env, extendEnv: false })
  t.regex(version.stdout, VERSION_LINE)

  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    api: { port: apiPort },
    broker: { embedded: { tcp: { port: mqttPort } } },
    log: { level: 'info' },
  })
  const manager = await startManagerProcess(t, { configFile, dataDir: path.join(dir, 'data'), apiPort })
  const key = { tenantId: 'sea', hostId: 'node-s1' }
  const device = await registerHost(manager, key.tenantId, key.hostId)
  const agent = await startAgentProcess(t, {
    brokerUrl: device.url ?? '',
    ...key,
    credential: device,
    executable: { file: executable, env },
  })
  await activate(manager, key.tenantId, key.hostId)
  await until(
    async () => (await getHost(manager, key.tenantId, key.hostId)).currentState === 'PROVISIONED',
    'PROVISIONED through the single executable',
    { dead: agent },
  )
  t.like(await agent.device.read(), { controlMode: 'ccm', counters: { activations: 1 } })
  t.false(agent.output().includes(device.password), 'no password printed')

  const status = await execa(executable, ['status', '--json', '--config', agent.configFile], {
    env: { ...env, [ENV_BROKER_PASSWORD]: device.password },
    extendEnv: false,
    reject: false,
    timeout: STEP_MS,
  })
  t.false(status.stdout.includes(device.password), 'no password printed')
  t.like(JSON.parse(status.stdout), {
    identity: key,
    capability: { capable: true },
    phase: 'PROVISIONED',
    broker: { reachable: true, subscriptions: { delivers: 'yes' } },
    healthy: true,
  })
  t.is(status.exitCode, 0, status.stderr)
})
