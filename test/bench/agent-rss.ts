/**
 * Agent memory benchmark (prints figures; not a test): the RSS of ONE real agent process (`amt-agent run`, as
 * installed on a node: the bundle from `npm run build`, started by its own `#!/usr/bin/env -S node
 * --lite-mode` line; the rpc CLI adapter) with the rpc emulator as its AMT hardware, idle — once after it
 * reported (UNPROVISIONED), once after an activation (PROVISIONED). The broker (ours) runs in this process;
 * every run uses a fresh agent process and emulated node.
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
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import mqtt, { type MqttClient } from 'mqtt'
import { stringify } from 'yaml'
import { MemoryCredentialStore } from '../../broker/auth/credentials.ts'
import { parseBrokerConfig } from '../../broker/config.ts'
import { createBroker } from '../../broker/create-broker.ts'
import { silentLogger } from '../../lib/log.ts'
import { buildTopic, encodePayload } from '../../schemas/index.ts'
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
const broker = await createBroker(parsed.config, { log: silentLogger(), credentials })
const url = `mqtt://127.0.0.1:${broker.tcpPort ?? 0}`
let agent: ChildProcess | undefined
const disarm = hardTimeLimit(Number(args['time-limit']) * 1000, async () => {
  agent?.kill('SIGKILL')
  await broker.close()
})

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

async function oneRun(
  run: number,
): Promise<{ reported: MemoryReading | undefined; activated: MemoryReading | undefined }> {
  const node = await emulatedNode()
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
    const child = spawn(command, [...argv, 'run', '--config', node.configFile], { stdio: 'ignore' })
    agent = child
    const pid = child.pid ?? 0
    await reported
    await delay(IDLE_MS)
    const idle = await sampleMemory(pid)
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
    child.kill('SIGTERM')
    await once(child, 'exit')
    // Clear the retained desired so the next run starts unprovisioned.
    await watcher.publishAsync(buildTopic({ ...KEY, leaf: 'desired' }), '', { qos: 1, retain: true })
    return { reported: idle, activated }
  } finally {
    await watcher.endAsync()
    await rm(node.dir, { recursive: true, force: true })
  }
}

const results: Array<Awaited<ReturnType<typeof oneRun>>> = []
for (let run = 1; run <= Number(args.runs); run++) {
  const result = await oneRun(run)
  results.push(result)
  console.log(
    `run ${run}: RSS idle after reporting ${fixed(result.reported?.rssMiB)} MiB, idle after activation ${fixed(result.activated?.rssMiB)} MiB (peak ${fixed(result.activated?.peakMiB)} MiB)`,
  )
}
disarm()
await broker.close()
const med = (pick: (r: (typeof results)[number]) => number | undefined): string =>
  fixed(median(results.map(pick).filter((v): v is number => v !== undefined)))
console.log(`\n| agent process | RSS MiB (median of ${results.length}) |\n|---|---:|`)
console.log(`| idle, reported UNPROVISIONED | ${med((r) => r.reported?.rssMiB)} |`)
console.log(`| idle, after activation (PROVISIONED) | ${med((r) => r.activated?.rssMiB)} |`)
console.log(`| peak (VmHWM) | ${med((r) => r.activated?.peakMiB)} |`)
printFooter(startedAt)
