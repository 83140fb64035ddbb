import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import Database from 'better-sqlite3'
import { execa } from 'execa'
import { activate, registerHost, startManagerProcess, writeManagerConfig } from '../../e2e/support/manager-process.ts'
import type { ManagerProcess } from '../../e2e/support/manager-process.ts'
import { BIN, freePort, tempDir } from '../../e2e/support/processes.ts'

/** `amt-manager backup` as the operator runs it: a real CLI child process next to a real manager process. */
const CLI_MS = 60_000

async function runBackup(configFile: string, to: string) {
  const args = [BIN.manager, 'backup', '--config', configFile, '--to', to]
  return execa(process.execPath, args, { reject: false, timeout: CLI_MS, stdin: 'ignore' })
}

type Started = { dir: string; configFile: string; manager: ManagerProcess }

async function startManager(t: Parameters<typeof tempDir>[0]): Promise<Started> {
  const dir = await tempDir(t, 'amt-backup-')
  const [apiPort, mqttPort] = [await freePort(), await freePort()]
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    api: { port: apiPort },
    broker: { embedded: { tcp: { port: mqttPort } } },
    log: { level: 'warn' },
  })
  const manager = await startManagerProcess(t, { configFile, dataDir: path.join(dir, 'data'), apiPort })
  return { dir, configFile, manager }
}

const openCopy = (file: string) => new Database(file, { readonly: true, fileMustExist: true })
const modeOf = async (file: string) => (await stat(file)).mode & 0o777
const hostIdOf = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`

test('a backup taken while the manager registers hosts is consistent and has every host registered before it', async (t) => {
  t.timeout(180_000)
  const { dir, configFile, manager } = await startManager(t)
  for (let n = 1; n <= 5; n++) await registerHost(manager, 'acme', hostIdOf(n))
  await activate(manager, 'acme', hostIdOf(1))
  const rollout = await manager.api('POST', '/api/v1/tenants/acme/rollouts', {
    desiredAmtState: 'PROVISIONED',
    hostIds: [hostIdOf(2), hostIdOf(3)],
    controls: { maxConcurrent: 1, maxStartsPerMinute: 1 },
  })
  t.is(rollout.status, 201, JSON.stringify(rollout.json))

  // Writes go on during the whole backup: one registration after the other, through the manager's API.
  let writing = true
  let registered = 5
  const writer = (async () => {
    while (writing) await registerHost(manager, 'acme', hostIdOf(++registered))
  })()
  const to = path.join(dir, 'backups', 'backup.sqlite')
  const result = await runBackup(configFile, to)
  writing = false
  await writer

  t.is(result.exitCode, 0, result.stderr)
  t.true(registered > 5, 'the manager wrote while the backup ran')
  t.is(await modeOf(path.dirname(to)), 0o700, 'the backup directory is created owner-only')
  t.regex(result.stdout, /^inventory: .*inventory\.sqlite -> .*backup\.sqlite \(\d+ bytes, \d+ hosts\)$/m)
  t.regex(result.stdout, /^secret store: .*secrets\.db -> .*backup\.sqlite\.secrets\.db/m)
  t.regex(
    result.stdout,
    /^API tokens: .*api-tokens\.sqlite -> .*backup\.sqlite\.api-tokens\.sqlite \(\d+ bytes, 1 tokens\)$/m,
  )
  t.regex(
    result.stdout,
    /^rollouts: .*rollouts\.sqlite -> .*backup\.sqlite\.rollouts\.sqlite \(\d+ bytes, 1 rollouts\)$/m,
  )
  const files = [to, `${to}.secrets.db`, `${to}.api-tokens.sqlite`, `${to}.rollouts.sqlite`]
  for (const file of files) t.is(await modeOf(file), 0o600, file)

  const copy = openCopy(to)
  t.teardown(() => copy.close())
  t.is(copy.pragma('integrity_check', { simple: true }), 'ok')
  t.deepEqual(copy.pragma('foreign_key_check'), [], 'every credential and audit row has its host')
  t.is(copy.pragma('journal_mode', { simple: true }), 'delete', 'a self-contained file, no -wal beside it')
  const rows = copy.prepare('SELECT host_id FROM hosts ORDER BY host_id').all() as Array<{ host_id: string }>
  const hosts = rows.map((row) => row.host_id)
  for (let n = 1; n <= 5; n++) t.true(hosts.includes(hostIdOf(n)), `host ${n} registered before the backup is in it`)
  t.true(hosts.length <= registered, 'nothing the manager had not written')

  const secrets = openCopy(`${to}.secrets.db`)
  t.teardown(() => secrets.close())
  t.is(secrets.pragma('quick_check', { simple: true }), 'ok')
  const sealed = secrets.prepare('SELECT host_id FROM host_secrets').all() as Array<{ host_id: string }>
  t.true(
    sealed.some((row) => row.host_id === hostIdOf(1)),
    'the activated host has its passwords in the copy',
  )
  const tokens = openCopy(`${to}.api-tokens.sqlite`)
  t.teardown(() => tokens.close())
  t.is(tokens.pragma('journal_mode', { simple: true }), 'delete')
  t.deepEqual(tokens.prepare('SELECT name FROM api_tokens').all(), [{ name: 'bootstrap-admin' }])
  const rollouts = openCopy(`${to}.rollouts.sqlite`)
  t.teardown(() => rollouts.close())
  t.is(rollouts.pragma('journal_mode', { simple: true }), 'delete')
  t.deepEqual(rollouts.prepare('SELECT host_id FROM rollout_members ORDER BY position').all(), [
    { host_id: hostIdOf(2) },
    { host_id: hostIdOf(3) },
  ])
})

test('a backup never overwrites, and a bad configuration or a missing Inventory is one clear line', async (t) => {
  t.timeout(180_000)
  const { dir, configFile } = await startManager(t)
  const to = path.join(dir, 'backup.sqlite')
  t.is((await runBackup(configFile, to)).exitCode, 0)
  const before = await readFile(to)

  const again = await runBackup(configFile, to)
  t.is(again.exitCode, 1)
  t.is(again.stderr.trim(), `error: ${to} exists: choose a new name (a backup never overwrites)`)
  t.deepEqual(await readFile(to), before)

  const badConfig = await runBackup(path.join(dir, 'missing.yaml'), path.join(dir, 'other.sqlite'))
  t.is(badConfig.exitCode, 1)
  t.regex(badConfig.stderr, /^error: invalid configuration .*missing\.yaml: /)

  const emptyDir = await tempDir(t, 'amt-backup-empty-')
  const noInventory = await writeManagerConfig(emptyDir, { dataDir: 'data' })
  const missing = await runBackup(noInventory, path.join(emptyDir, 'copy.sqlite'))
  t.is(missing.exitCode, 1)
  t.regex(missing.stderr, /^error: cannot open .*inventory\.sqlite: /)
  const left = async (name: string) => (await stat(path.join(emptyDir, name)).catch(() => null)) !== null
  t.false(await left('copy.sqlite'), 'no copy')
  t.false(await left('copy.sqlite.partial'), 'no partial file left behind')
})
