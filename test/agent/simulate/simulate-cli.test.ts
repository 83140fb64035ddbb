import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { execa } from 'execa'
import { stringify } from 'yaml'
import type { SimulationSummary } from '../../../agent/simulate/summary.ts'
import { startTestBroker } from '../../helpers/broker.ts'
import { LAUNCHER } from '../../helpers/launchers.ts'
import { connectFleetWatcher } from './fleet-watcher.ts'

const AMT_AGENT = LAUNCHER.agent
const TUNING = 'retryBaseMs=20,retryMaxMs=100,stuckConnectingMs=200,reconnectMinMs=50,reconnectMaxMs=400'
/**
 * The CLI's own --timeout (seconds), the child's kill timeout and the test's: a cold tsx start plus a dozen agents
 * take a few seconds idle, much longer on a loaded 2-core machine (and the tests of this file run concurrently).
 */
const SETTLE_TIMEOUT_S = 120
const CHILD_TIMEOUT_MS = (SETTLE_TIMEOUT_S + 30) * 1000
const TEST_TIMEOUT_MS = CHILD_TIMEOUT_MS + 30_000

test('`amt-agent simulate --count --until-settled --json` runs the fleet to convergence and prints a valid summary', async (t) => {
  t.timeout(TEST_TIMEOUT_MS)
  const broker = await startTestBroker(t)
  const hosts = Array.from({ length: 12 }, (_, i) => ({
    tenantId: 'acme',
    hostId: `sim-${String(i + 1).padStart(2, '0')}`,
  }))
  // A demo credential store with pattern-based passwords, as --username-pattern/--password-pattern expect.
  for (const host of hosts)
    await broker.credentials.add({
      ...host,
      role: 'device',
      username: `${host.hostId}@acme`,
      password: `${host.hostId}-demo-pw`,
    })
  const watcher = await connectFleetWatcher(t, broker.url, await broker.addManager())
  await watcher.desire(hosts)

  const result = await execa(
    'node',
    [
      AMT_AGENT,
      'simulate',
      '--broker',
      broker.url,
      '--count',
      '12',
      '--tenants',
      'acme',
      '--username-pattern',
      '{hostId}@{tenantId}',
      '--password-pattern',
      '{hostId}-demo-pw',
      '--mix',
      'amt=2,ism=1,not-capable=1',
      '--assign',
      '0:activation=102',
      '--fail-rate',
      'transient=0.2',
      '--seed',
      '5',
      '--ramp',
      '0',
      '--tuning',
      TUNING,
      '--until-settled',
      '--timeout',
      String(SETTLE_TIMEOUT_S),
      '--json',
    ],
    { reject: false, timeout: CHILD_TIMEOUT_MS },
  )
  t.is(result.exitCode, 0, result.stderr)
  const summary = JSON.parse(result.stdout) as SimulationSummary
  t.like(summary, {
    hosts: 12,
    seed: 5,
    allSettled: true,
    settled: 12,
    ended: 'settled',
    connected: 12,
    capable: 9,
    notCapable: 3,
    kinds: { amt: 6, ism: 3, 'not-capable': 3 },
  })
  t.like(summary.phases, { PROVISIONED: 8, NOT_SUPPORTED: 3, FAILED: 1, PENDING: 0, ACTIVATING: 0 })
  t.deepEqual(summary.failed, [{ tenantId: 'acme', hostId: 'sim-01', code: 102, name: 'ActivationFailed' }])
  t.deepEqual(summary.unsettled, [])
  t.true(typeof summary.convergedMs === 'number' && summary.settleMs !== null && summary.memory.rssBytes > 0)
  t.regex(result.stderr, /\[\d+\.\ds\] 12 hosts .* settled 12\/12/, 'progress goes to stderr with --json')
  t.false(result.stdout.includes('demo-pw') || result.stderr.includes('demo-pw'), 'no password is printed')
})

test('`amt-agent simulate --credentials` runs the hosts of a file, printing progress lines and a readable summary', async (t) => {
  t.timeout(TEST_TIMEOUT_MS)
  const broker = await startTestBroker(t)
  const dir = await mkdtemp(join(tmpdir(), 'amt-simulate-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const entries = [
    { tenantId: 'acme', hostId: 'edge-a', kind: 'amt' },
    { tenantId: 'acme', hostId: 'edge-b', kind: 'no-me' },
    { tenantId: 'zeta', hostId: 'edge-c', faults: { lmsMissing: true } },
  ] as const
  const hosts = []
  for (const entry of entries) hosts.push({ ...entry, ...(await broker.addDevice(entry.tenantId, entry.hostId)) })
  const file = join(dir, 'hosts.yaml')
  await writeFile(file, stringify({ hosts }))
  const watcher = await connectFleetWatcher(t, broker.url, await broker.addManager())
  await watcher.desire(entries)

  const result = await execa(
    'node',
    [
      AMT_AGENT,
      'simulate',
      '--broker',
      broker.url,
      '--credentials',
      file,
      '--tuning',
      TUNING,
      '--until-settled',
      '--timeout',
      String(SETTLE_TIMEOUT_S),
    ],
    { reject: false, timeout: CHILD_TIMEOUT_MS },
  )
  t.is(result.exitCode, 0, result.stderr)
  t.regex(result.stdout, /^\[\d+\.\ds\] 3 hosts · connected 3 · capable 2 · .*settled 3\/3$/m)
  t.regex(result.stdout, /3 hosts \(seed 1\): converged in [\d.]+ s; 3\/3 settled/)
  t.regex(result.stdout, /phases: PROVISIONED 1 · FAILED 1 · NOT_SUPPORTED 1/)
  t.regex(result.stdout, /FAILED zeta\/edge-c: 139 LMSConnectionFailed/)
  for (const { password } of hosts)
    t.false(result.stdout.includes(password) || result.stderr.includes(password), 'no password is printed')
})

test('`amt-agent simulate` with bad options prints every problem and exits 1', async (t) => {
  t.timeout(TEST_TIMEOUT_MS)
  const dir = await mkdtemp(join(tmpdir(), 'amt-simulate-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'hosts.json')
  const host = { tenantId: 'acme', hostId: 'a/b', username: 'u', password: 'secret-pw' }
  await writeFile(file, JSON.stringify({ hosts: [host, { ...host, hostId: 'ok', kind: 'quantum' }] }))
  const result = await execa('node', [AMT_AGENT, 'simulate', '--broker', 'mqtt://127.0.0.1:1', '--credentials', file], {
    reject: false,
    timeout: CHILD_TIMEOUT_MS,
  })
  t.is(result.exitCode, 1)
  t.regex(result.stderr, /hosts\.0\.hostId: hostId must be/)
  t.regex(result.stderr, /hosts\.1\.kind:/)
  t.false(result.stderr.includes('secret-pw'))
})
