import test from 'ava'
import { capable } from '../../helpers/manager-core.ts'
import { seed, startApi, type ApiHarness } from '../api/api-harness.ts'
import { runCli, type CliRun } from './run-cli.ts'

/** Raw control characters a terminal would act on: C0, DEL, C1, bidi overrides. */
// eslint-disable-next-line no-control-regex -- the test looks for exactly these characters
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u

/** The bytes a hostile device puts into its texts: clear screen, carriage return, one-byte CSI, a faked line. */
const HOSTILE = 'ok\u001b[2J\u001b]0;pwned\u0007\r\u009b31mfake\nline\u007f\u202e'

/** `amtctl <args>` in process against the real API; stdout/stderr captured with their control characters. */
const cli = (api: ApiHarness, token: string, args: string[]): Promise<CliRun> =>
  runCli({ AMT_MANAGER_URL: api.url, AMT_MANAGER_TOKEN: token }, args)

async function hostileHost(t: Parameters<typeof startApi>[0]) {
  const api = await startApi(t)
  await seed(api.inventory, { acme: ['node-1'] })
  const envelope = { v: 1 as const, ts: new Date().toISOString(), hostId: 'node-1', bootId: 'b'.repeat(16), seq: 0 }
  await api.inventory.updateHost(
    { tenantId: 'acme', hostId: 'node-1' },
    {
      name: `name-${HOSTILE}`,
      status: `AMT Activation Failed: ${HOSTILE}`,
      statusIndicator: 'ERROR',
      capability: { ...envelope, ...capable(), amtVersion: `16\u001b[2J\u009b` },
    },
  )
  await api.inventory.appendAudit([
    { tenantId: 'acme', hostId: 'node-1', kind: 'state', actor: 'agent', detail: { message: HOSTILE } },
  ])
  return { api, token: await api.token('viewer', '*', 'cli') }
}

test('hosts list escapes control characters from devices', async (t) => {
  const { api, token } = await hostileHost(t)
  const run = await cli(api, token, ['hosts', 'list'])
  t.is(run.code, 0, run.stderr)
  const rows = run.stdout.trimEnd().split('\n')
  t.false(RAW_CONTROL.test(rows.join('')), JSON.stringify(run.stdout))
  t.is(rows.length, 2, 'one header, one host: no line faked by a newline')
  t.true(run.stdout.includes('AMT Activation Failed: ok\\x1b[2J\\x1b]0;pwned\\x07\\r\\x9b31mfa'), run.stdout)
})

test('hosts show escapes status, name, amt version and event messages', async (t) => {
  const { api, token } = await hostileHost(t)
  const run = await cli(api, token, ['hosts', 'show', 'acme', 'node-1'])
  t.is(run.code, 0, run.stderr)
  t.false(RAW_CONTROL.test(run.stdout.replaceAll('\n', '')), JSON.stringify(run.stdout))
  t.regex(run.stdout, /^amt version: +16\\x1b\[2J\\x9b$/m)
  t.regex(run.stdout, /^name: +name-ok\\x1b\[2J.*\\nline\\x7f\\u202e$/m)
  t.regex(run.stdout, /^status: +AMT Activation Failed: ok\\x1b\[2J/m)
  t.true(run.stdout.includes('\\x9b31mfake'), 'the event message is escaped too')
})

test('--json output stays valid JSON with every control character escaped', async (t) => {
  const { api, token } = await hostileHost(t)
  const run = await cli(api, token, ['hosts', 'show', 'acme', 'node-1', '--json'])
  t.is(run.code, 0, run.stderr)
  t.false(RAW_CONTROL.test(run.stdout.replaceAll('\n', '')), JSON.stringify(run.stdout))
  const parsed = JSON.parse(run.stdout) as { host: { status: string; capability: { amtVersion: string } } }
  t.is(parsed.host.status, `AMT Activation Failed: ${HOSTILE}`, 'the same value, escaped only in its JSON text')
  t.is(parsed.host.capability.amtVersion, '16\u001b[2J\u009b')
})
