/**
 * Runs one real agent (`amt-agent run`, the rpc-cli adapter) against the embedded broker of `npm start`, with the
 * rpc emulator standing in for AMT hardware: host REAL_AGENT_HOST of tenant `demo` (its id is the UUID the emulated
 * AMT reports). Everything it needs lives in a temporary directory: the emulator's device file, a /dev with mei0,
 * the agent config. Stop it with Ctrl-C.
 *
 *   npm run demo:agent                       the demo's real-agent host (then: amt-manager hosts activate demo <id>)
 *   npm run demo:agent -- demo-host-1        a principal of the standalone demo broker (deploy/broker/README.md)
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { stringify } from 'yaml'
import { REAL_AGENT_HOST } from '../manager/demo/fleet-plan.ts'

const brokerPrincipal = process.argv[2]
const hostId = brokerPrincipal ?? REAL_AGENT_HOST.hostId
const root = fileURLToPath(new URL('..', import.meta.url))
const dir = await mkdtemp(join(tmpdir(), 'amt-demo-agent-'))
const devDir = join(dir, 'dev')
await mkdir(devDir)
await writeFile(join(devDir, 'mei0'), '')
const deviceFile = join(dir, 'device.json')
await writeFile(deviceFile, JSON.stringify({ uuid: REAL_AGENT_HOST.hostId }, null, 2))
const passwordFile = join(dir, 'broker-password')
await writeFile(passwordFile, brokerPrincipal ? `${brokerPrincipal}-demo` : REAL_AGENT_HOST.password, { mode: 0o600 })

const rpcPath = join(dir, 'rpc')
await writeFile(
  rpcPath,
  `#!/bin/sh\nRPC_EMULATOR_DEVICE='${deviceFile}' exec '${join(root, 'test/fixtures/bin/rpc')}' "$@"\n`,
  { mode: 0o755 },
)

const configFile = join(dir, 'config.yaml')
const config = {
  tenantId: 'demo',
  hostId,
  // The standalone broker's principals are named by their host; the manager's default is <hostId>@<tenantId>.
  broker: { url: 'mqtt://127.0.0.1:1883', passwordFile, ...(brokerPrincipal ? { username: brokerPrincipal } : {}) },
  rpc: { path: rpcPath, devDir },
  rps: { url: 'wss://rps.demo.invalid/activate', profile: 'demo_ccm' },
  reconcile: { stuckConnectingMs: 10_000 },
  lms: { manage: false },
}
await writeFile(configFile, stringify(config))
console.error(`emulated node ${hostId} in ${dir} (device file: ${deviceFile})`)
const agent = execa(process.execPath, [join(root, 'bin/amt-agent.js'), 'run', '--config', configFile], {
  stdio: 'inherit',
  reject: false,
})
const forward = (signal: NodeJS.Signals) => agent.kill(signal)
process.on('SIGINT', forward).on('SIGTERM', forward)
const { exitCode } = await agent
process.exitCode = exitCode ?? 1
