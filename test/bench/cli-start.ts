/**
 * Cold start of the CLIs as users run them (bin/ launchers on dist/): a manager is started (`amt-manager serve`,
 * embedded broker, SQLite in a temp dir), then each case runs `--runs` times as a fresh child process, the cases
 * interleaved so they share the machine's load: `node -e 0` (the floor: Node itself), `amt-manager hosts list`
 * against the manager (budget ≤ 300 ms, issue #14), and `--version` of the three CLIs. Prints median and p90 per
 * case and the ratio of each median to the bare Node start measured in the same run.
 *
 *   npm run bench:cli [-- --runs 30]      (builds first; a single run: npx tsx test/bench/cli-start.ts)
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import { freePort } from '../e2e/support/processes.ts'
import { LAUNCHER } from '../helpers/launchers.ts'

const HOSTS_LIST_BUDGET_MS = 300
const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '20' } } })
const runs = Number(args.runs)
if (!Number.isInteger(runs) || runs < 1 || runs > 1000)
  throw new Error('--runs: expected an integer between 1 and 1000')
const out = (text: string): boolean => process.stdout.write(`${text}\n`)

interface Case {
  name: string
  argv: string[]
}

async function startManager(dir: string): Promise<{ apiUrl: string; token: string; stop(): Promise<void> }> {
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const dataDir = path.join(dir, 'data')
  const configFile = path.join(dir, 'manager.yaml')
  await writeFile(
    configFile,
    stringify({
      dataDir,
      api: { port: apiPort },
      broker: { embedded: { tcp: { port: mqttPort } } },
      log: { level: 'warn' },
    }),
  )
  const child = spawn(process.execPath, [LAUNCHER.manager, 'serve', '--config', configFile], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = once(child, 'exit')
  const apiUrl = `http://127.0.0.1:${apiPort}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the manager exited with ${child.exitCode}`)
    if (
      await fetch(`${apiUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break
    if (Date.now() > deadline) throw new Error('the manager was not ready within 60 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const token = (await readFile(path.join(dataDir, 'admin-token'), 'utf8')).trim()
  return { apiUrl, token, stop: async () => void (child.kill('SIGTERM'), await exited) }
}

/** Wall time of one child process from spawn to exit, in ms; a failed run is an error (not a fast sample). */
function timeRun(argv: string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now()
  const result = spawnSync(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 })
  const elapsed = performance.now() - started
  if (result.status !== 0)
    throw new Error(`node ${argv.join(' ')} failed (${result.status}): ${result.stderr.toString()}`)
  return elapsed
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

const dir = await mkdtemp(path.join(tmpdir(), 'amt-bench-cli-'))
const manager = await startManager(dir)
try {
  const env = { ...process.env, AMT_MANAGER_URL: manager.apiUrl, AMT_MANAGER_TOKEN: manager.token }
  const cases: Case[] = [
    { name: 'node -e 0', argv: ['-e', '0'] },
    { name: 'amt-manager hosts list', argv: [LAUNCHER.manager, 'hosts', 'list'] },
    { name: 'amt-manager --version', argv: [LAUNCHER.manager, '--version'] },
    { name: 'amt-broker --version', argv: [LAUNCHER.broker, '--version'] },
    { name: 'amt-agent --version', argv: [LAUNCHER.agent, '--version'] },
  ]
  for (const { argv } of cases) timeRun(argv, env) // warm the page cache
  const samples = new Map(cases.map(({ name }) => [name, [] as number[]]))
  for (let run = 0; run < runs; run++) for (const { name, argv } of cases) samples.get(name)?.push(timeRun(argv, env))

  out(
    `CLI cold start, ${runs} runs per case (interleaved); ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  )
  const floor = percentile(
    [...(samples.get('node -e 0') ?? [])].sort((a, b) => a - b),
    50,
  )
  for (const [name, values] of samples) {
    const sorted = [...values].sort((a, b) => a - b)
    const median = percentile(sorted, 50)
    const cells = [
      name.padEnd(24),
      `median ${median.toFixed(0).padStart(4)} ms`,
      `p90 ${percentile(sorted, 90).toFixed(0).padStart(4)} ms`,
      `× ${(median / floor).toFixed(2)} node -e 0`,
    ]
    out(`  ${cells.join('   ')}`)
  }
  const hostsList = percentile(
    [...(samples.get('amt-manager hosts list') ?? [])].sort((a, b) => a - b),
    50,
  )
  out(
    `hosts list median ${hostsList.toFixed(0)} ms: ${hostsList <= HOSTS_LIST_BUDGET_MS ? 'within' : 'OVER'} the ${HOSTS_LIST_BUDGET_MS} ms budget`,
  )
} finally {
  await manager.stop()
  await rm(dir, { recursive: true, force: true })
}
