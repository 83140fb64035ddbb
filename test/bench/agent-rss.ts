/**
 * Agent memory benchmark (prints figures; not a test): the RSS of ONE real agent process (`amt-agent run`, as
 * installed on a node: the bundle from `npm run build`, started by its own `#!/usr/bin/env -S node
 * --lite-mode` line; the rpc CLI adapter) with the rpc emulator as its AMT hardware, idle — once after it
 * reported (UNPROVISIONED), once after an activation (PROVISIONED). The broker (ours) runs in this process;
 * every run uses a fresh agent process and emulated node.
 *
 * Beside the agent, in the same run and with the same node flags (the bundle's #! line), two baselines idle for as
 * long: bare node (a script that only waits), and node + mqtt.js (bundled as the agent bundles it, connected to the
 * broker as a device); the table gives the agent's excess over each, and issue 19's goal: ≤ 50 MB (47.7 MiB).
 *
 *   npm run build && npx tsx test/bench/agent-rss.ts [--runs 3] [--idle-seconds 20] [--time-limit 300]
 *                                                          [--agent-entry dist/amt-agent.mjs]
 *
 * --agent-entry bin/amt-agent.js: the launcher (the same bundle, run with `node`, without lite mode);
 * --agent-entry agent/cli.ts --agent-node-options '--import tsx': the sources as they are, through tsx;
 * --agent-entry dist/amt-agent: the single executable (npm run build:agent-sea), run as it is;
 * --agent-node-options: node options for an entry run with `node` (an .mjs/.js entry other than the bundle).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'
import mqtt, { type MqttClient } from 'mqtt'
import { stringify } from 'yaml'
import { MemoryCredentialStore } from '../../broker/auth/credentials.ts'
import { parseBrokerConfig } from '../../broker/config.ts'
import { createBroker } from '../../broker/create-broker.ts'
import { silentLogger } from '../../lib/log.ts'
import { agentClientId, buildTopic, encodePayload } from '../../schemas/index.ts'
import { mqttLazyTransports } from '../../scripts/build/mqtt-lazy-transports.ts'
import {
  delay,
  fixed,
  hardTimeLimit,
  median,
  printFooter,
  printHeader,
  sampleMemory,
  type MemoryReading,
} from './fleet-env.ts'

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'idle-seconds': { type: 'string', default: '20' },
    'time-limit': { type: 'string', default: '300' },
    'agent-entry': { type: 'string', default: 'dist/amt-agent.mjs' },
    /** Extra node options for the agent process, space-separated (e.g. "--max-semi-space-size=1"). */
    'agent-node-options': { type: 'string', default: '' },
  },
})
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const KEY = { tenantId: 'bench', hostId: 'agent-rss-1' }
/** The device the mqtt.js baseline connects as. */
const BASELINE_KEY = { tenantId: 'bench', hostId: 'agent-rss-mqtt' }
/** Issue 19: one agent process idle ≤ 50 MB. */
const GOAL_MIB = 50e6 / 2 ** 20
const IDLE_MS = Number(args['idle-seconds']) * 1000
const nodeOptions = args['agent-node-options'].split(' ').filter((option) => option !== '')
const startedAt = Date.now()

await printHeader('agent memory: one real agent process (amt-agent run + rpc emulator), idle')
/** The bundle (its own #! line) and the single executable (dist/amt-agent, no extension) run themselves. */
function runsItself(entry: string): boolean {
  return entry.endsWith('dist/amt-agent.mjs') || path.extname(entry) === ''
}
const shownBundle = args['agent-entry'].endsWith('.mjs')
  ? ' (#!/usr/bin/env -S node --lite-mode)'
  : ' (single executable)'
const shown = runsItself(args['agent-entry'])
  ? `${args['agent-entry']}${shownBundle}`
  : `node ${[...nodeOptions, args['agent-entry']].join(' ')}`
console.log(
  `setup: ${shown} run; ${args.runs} runs, each a fresh process; idle ${IDLE_MS / 1000} s before sampling RSS (5 samples, 1 s apart, median)`,
)

const parsed = parseBrokerConfig({ listeners: { tcp: { host: '127.0.0.1', port: 0 } }, logLevel: 'silent' })
if (!parsed.ok) throw new Error(parsed.problems.join('; '))
const credentials = new MemoryCredentialStore({ scryptParams: { logN: 10, r: 8, p: 1 } })
const managerPassword = randomBytes(12).toString('base64url')
const devicePassword = randomBytes(12).toString('base64url')
await credentials.add({ username: 'bench-manager', password: managerPassword, role: 'manager' })
await credentials.add({ username: KEY.hostId, password: devicePassword, role: 'device', ...KEY })
await credentials.add({ username: BASELINE_KEY.hostId, password: devicePassword, role: 'device', ...BASELINE_KEY })
const broker = await createBroker(parsed.config, { log: silentLogger(), credentials })
const url = `mqtt://127.0.0.1:${broker.tcpPort ?? 0}`
const children = new Set<ChildProcess>()
const disarm = hardTimeLimit(Number(args['time-limit']) * 1000, async () => {
  for (const child of children) child.kill('SIGKILL')
  await broker.close()
})

/** The node flags of the bundle's #! line (`#!/usr/bin/env -S node --lite-mode ...`): the baselines run with them. */
const bundleFlags = (await readFile(path.join(ROOT, 'dist/amt-agent.mjs'), 'utf8'))
  .split('\n', 1)[0]
  ?.split(' node ')[1]
const nodeFlags = (bundleFlags ?? '').split(' ').filter((flag) => flag !== '')

/** The two baselines as files: bare node waiting, and mqtt.js bundled as the agent's build bundles it, connected. */
async function baselineScripts(dir: string): Promise<{ bare: string; mqttOnly: string }> {
  const bare = path.join(dir, 'bare.mjs')
  await writeFile(bare, 'setInterval(() => {}, 2 ** 30)\n')
  const entry = path.join(dir, 'mqtt-only.mjs')
  await writeFile(
    entry,
    [
      "import mqtt from 'mqtt'",
      'const [url, username, password, clientId] = process.argv.slice(2)',
      'mqtt.connect(url, { username, password, clientId, writeCache: false }).on("error", () => {})',
    ].join('\n'),
  )
  const mqttOnly = path.join(dir, 'mqtt-only.bundle.mjs')
  await build({
    entryPoints: [entry],
    outfile: mqttOnly,
    nodePaths: [path.join(ROOT, 'node_modules')],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    plugins: [mqttLazyTransports],
    banner: { js: "import { createRequire as r } from 'node:module'; const require = r(import.meta.url);" },
  })
  return { bare, mqttOnly }
}

function startChild(command: string, argv: string[]): ChildProcess {
  const child = spawn(command, argv, { stdio: 'ignore' })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  await exited
}

/** An emulated node in a temp dir (rpc emulator + device file + /dev/mei0) and the agent's config. */
async function emulatedNode(): Promise<{ dir: string; configFile: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'amt-agent-rss-'))
  await mkdir(path.join(dir, 'dev'))
  await writeFile(path.join(dir, 'dev', 'mei0'), '')
  const deviceFile = path.join(dir, 'device.json')
  await writeFile(deviceFile, JSON.stringify({}))
  const rpcPath = path.join(dir, 'rpc')
  await writeFile(
    rpcPath,
    `#!/bin/sh\nRPC_EMULATOR_DEVICE='${deviceFile}' exec '${path.join(ROOT, 'test/fixtures/bin/rpc')}' "$@"\n`,
    { mode: 0o755 },
  )
  await writeFile(path.join(dir, 'broker-password'), devicePassword, { mode: 0o600 })
  const configFile = path.join(dir, 'agent.yaml')
  const config = {
    ...KEY,
    broker: { url, username: KEY.hostId, passwordFile: path.join(dir, 'broker-password') },
    rpc: { path: rpcPath, devDir: path.join(dir, 'dev') },
    rps: { url: 'wss://rps.bench.invalid/activate', profile: 'bench_ccm' },
    lms: { manage: false },
    log: { level: 'info' },
  }
  await writeFile(configFile, stringify(config))
  return { dir, configFile }
}

/** Resolves with the first `state` of the host whose phase is `phase`. */
function statePhase(watcher: MqttClient, phase: string): Promise<void> {
  const stateTopic = buildTopic({ ...KEY, leaf: 'state' })
  return new Promise((resolve) => {
    const onMessage = (topic: string, payload: Buffer): void => {
      if (topic === stateTopic && (JSON.parse(payload.toString('utf8')) as { phase?: string }).phase === phase) {
        watcher.off('message', onMessage)
        resolve()
      }
    }
    watcher.on('message', onMessage)
  })
}

async function oneRun(run: number): Promise<{
  reported: MemoryReading | undefined
  activated: MemoryReading | undefined
  bare: MemoryReading | undefined
  mqttOnly: MemoryReading | undefined
}> {
  const node = await emulatedNode()
  const scripts = await baselineScripts(node.dir)
  const watcher = await mqtt.connectAsync(url, {
    username: 'bench-manager',
    password: managerPassword,
    clientId: 'bench-manager:watcher',
    reconnectPeriod: 0,
  })
  try {
    await watcher.subscribeAsync(buildTopic({ ...KEY, leaf: 'state' }), { qos: 1 })
    const reported = statePhase(watcher, 'UNPROVISIONED')
    const entry = path.resolve(ROOT, args['agent-entry'])
    // The bundle and the single executable run as installed (the bundle's first line picks the node flags).
    const [command, argv] = runsItself(entry) ? [entry, []] : [process.execPath, [...nodeOptions, entry]]
    const child = startChild(command, [...argv, 'run', '--config', node.configFile])
    const pid = child.pid ?? 0
    const clientId = agentClientId(BASELINE_KEY)
    const bare = startChild(process.execPath, [...nodeFlags, scripts.bare])
    const mqttOnly = startChild(process.execPath, [
      ...nodeFlags,
      scripts.mqttOnly,
      url,
      BASELINE_KEY.hostId,
      devicePassword,
      clientId,
    ])
    await reported
    await delay(IDLE_MS)
    // The three idle side by side; sampled together so that the machine's load touches them alike.
    const [idle, bareIdle, mqttIdle] = await Promise.all([
      sampleMemory(pid),
      sampleMemory(bare.pid ?? 0),
      sampleMemory(mqttOnly.pid ?? 0),
    ])
    await Promise.all([stop(bare), stop(mqttOnly)])
    const provisioned = statePhase(watcher, 'PROVISIONED')
    const desired = encodePayload('desired', {
      v: 1,
      ts: new Date().toISOString(),
      hostId: KEY.hostId,
      generation: run,
      state: 'PROVISIONED',
      controlMode: 'CCM',
      profileName: 'bench_ccm',
    })
    await watcher.publishAsync(buildTopic({ ...KEY, leaf: 'desired' }), desired, { qos: 1, retain: true })
    await provisioned
    await delay(IDLE_MS)
    const activated = await sampleMemory(pid)
    await stop(child)
    // Clear the retained desired so the next run starts unprovisioned.
    await watcher.publishAsync(buildTopic({ ...KEY, leaf: 'desired' }), '', { qos: 1, retain: true })
    return { reported: idle, activated, bare: bareIdle, mqttOnly: mqttIdle }
  } finally {
    await watcher.endAsync()
    await rm(node.dir, { recursive: true, force: true })
  }
}

const results: Array<Awaited<ReturnType<typeof oneRun>>> = []
const split = (reading: MemoryReading | undefined): string =>
  reading === undefined
    ? '-'
    : `${fixed(reading.rssMiB)} MiB (anon ${fixed(reading.anonMiB)} + file ${fixed(reading.fileMiB)})`
for (let run = 1; run <= Number(args.runs); run++) {
  const result = await oneRun(run)
  results.push(result)
  console.log(
    `run ${run}: agent idle after reporting ${split(result.reported)}, after activation ${split(result.activated)} (peak ${fixed(result.activated?.peakMiB)} MiB); bare node ${split(result.bare)}; node + mqtt.js ${split(result.mqttOnly)}`,
  )
}
disarm()
await broker.close()
type Result = (typeof results)[number]
const values = (pick: (r: Result) => number | undefined): number[] =>
  results.map(pick).filter((v): v is number => v !== undefined)
const med = (pick: (r: Result) => number | undefined): number => median(values(pick))
const spread = (pick: (r: Result) => number | undefined): string => {
  const all = values(pick)
  return all.length === 0 ? '-' : `${fixed(Math.min(...all))}–${fixed(Math.max(...all))}`
}
const row = (what: string, pick: (r: Result) => MemoryReading | undefined): string =>
  `| ${what} | ${fixed(med((r) => pick(r)?.rssMiB))} | ${spread((r) => pick(r)?.rssMiB)} | ${fixed(med((r) => pick(r)?.anonMiB))} | ${fixed(med((r) => pick(r)?.fileMiB))} |`
console.log(
  `\n| process, idle | RSS MiB (median of ${results.length}) | spread | anon | file |\n|---|---:|---:|---:|---:|`,
)
console.log(row('agent, reported UNPROVISIONED', (r) => r.reported))
console.log(row('agent, after activation (PROVISIONED)', (r) => r.activated))
console.log(row(`bare node ${nodeFlags.join(' ')}`, (r) => r.bare))
console.log(row('node + mqtt.js (connected)', (r) => r.mqttOnly))
console.log(
  `| agent peak (VmHWM) | ${fixed(med((r) => r.activated?.peakMiB))} | ${spread((r) => r.activated?.peakMiB)} | | |`,
)
const agentIdle = med((r) => r.reported?.rssMiB)
const excess = (baseline: number): string => `${fixed(agentIdle - baseline)} MiB`
console.log(
  `\nagent idle ${fixed(agentIdle)} MiB = ${fixed((agentIdle * 2 ** 20) / 1e6)} MB; goal ≤ 50 MB (${fixed(GOAL_MIB)} MiB): ${agentIdle <= GOAL_MIB ? 'met' : `missed by ${fixed(agentIdle - GOAL_MIB)} MiB (${fixed(((agentIdle - GOAL_MIB) / GOAL_MIB) * 100)} %)`}`,
)
console.log(
  `agent's excess over bare node ${excess(med((r) => r.bare?.rssMiB))}, over node + mqtt.js ${excess(med((r) => r.mqttOnly?.rssMiB))}`,
)
printFooter(startedAt)
