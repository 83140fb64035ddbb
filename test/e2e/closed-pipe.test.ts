import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { execa } from 'execa'
import { seed, startApi } from '../manager/api/api-harness.ts'
import { BIN, ROOT, STEP_MS, tempDir } from './support/processes.ts'
import { within } from './support/signals.ts'

/**
 * Runs a CLI whose reader has gone away before it writes anything (as `... | head -1` once head has its line):
 * the parent closes its end of the stdout pipe at once, so every write of the child fails with EPIPE.
 */
async function withClosedStdout(t: ExecutionContext, bin: string, args: readonly string[], input?: string) {
  const child = execa(process.execPath, [bin, ...args], {
    cwd: ROOT,
    reject: false,
    ...(input === undefined ? {} : { input }),
  })
  t.teardown(() => child.kill('SIGKILL'))
  child.stdout.destroy()
  const result = await within(child, `${path.basename(bin)} ${args.join(' ')} to exit`, STEP_MS)
  return { exitCode: result.exitCode, signal: result.signal ?? null, stderr: result.stderr }
}

const quiet = (stderr: string) => !/EPIPE|Unhandled 'error' event|\n\s+at /.test(stderr)

test('`amt-manager hosts activate` into a closed pipe ends quietly with 0 (the desired state was set)', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['node-1', 'node-2'] })
  const token = await api.token('operator', '*', 'pipe')
  const args = ['hosts', 'activate', 'acme', 'node-1', 'node-2', '--url', api.url, '--token', token]
  const result = await withClosedStdout(t, BIN.manager, args)
  t.like(result, { exitCode: 0, signal: null })
  t.true(quiet(result.stderr), result.stderr)
  t.is((await api.inventory.getHost({ tenantId: 'acme', hostId: 'node-2' })).desiredState, 'PROVISIONED')
})

test('`amt-manager tokens list` into a closed pipe ends quietly with 0', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-pipe-')
  const result = await withClosedStdout(t, BIN.manager, ['tokens', 'list', '--data-dir', dir])
  t.like(result, { exitCode: 0, signal: null })
  t.true(quiet(result.stderr), result.stderr)
})

test('`amt-agent version` into a closed pipe ends quietly with 0', async (t) => {
  const result = await withClosedStdout(t, BIN.agent, ['version'])
  t.like(result, { exitCode: 0, signal: null })
  t.true(quiet(result.stderr), result.stderr)
})

test('`amt-broker hash-password` into a closed pipe ends quietly with 0', async (t) => {
  const result = await withClosedStdout(t, BIN.broker, ['hash-password'], 'a password\n')
  t.like(result, { exitCode: 0, signal: null })
  t.true(quiet(result.stderr), result.stderr)
})
