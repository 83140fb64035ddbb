import test from 'ava'
import { execa } from 'execa'
import { LAUNCHER } from '../helpers/launchers.ts'

/**
 * Commander's usage errors exit 2 in every command of the three built CLIs (lib/cli-usage.ts), also in commands
 * built apart and added with `addCommand` (`backup`, `hosts`, `tenants acm-certificate set`), except the service
 * commands (`serve`, `run`), which exit 1 like a bad configuration so that their units do not restart in a loop;
 * help and --version exit 0. The launchers in bin/ run dist/ as users do (`npm run build` first).
 */
type Bin = keyof typeof LAUNCHER

const cases: ReadonlyArray<{ bin: Bin; args: string[]; code: number; stderr?: RegExp; stdout?: RegExp }> = [
  {
    bin: 'manager',
    args: ['tenants', 'acm-certificate', 'set', 'acme'],
    code: 2,
    stderr: /^error: required option '--chain-file <file>' not specified$/m,
  },
  { bin: 'manager', args: ['hosts', 'list', '--bogus'], code: 2, stderr: /^error: unknown option '--bogus'$/m },
  { bin: 'manager', args: ['hosts', 'show', 'acme'], code: 2, stderr: /^error: missing required argument 'hostId'$/m },
  {
    bin: 'manager',
    args: ['tenants', 'acm-certificate'],
    code: 2,
    stderr: /^Usage: amt-manager tenants acm-certificate/m,
  },
  { bin: 'manager', args: ['backup'], code: 2, stderr: /^error: required option .*--to/m },
  { bin: 'manager', args: ['serve'], code: 1, stderr: /^error: required option '-c, --config <file>' not specified$/m },
  { bin: 'manager', args: ['bogus'], code: 2, stderr: /^error: unknown command 'bogus'$/m },
  {
    bin: 'manager',
    args: ['tenants', 'acm-certificate', 'set', '--help'],
    code: 0,
    stdout: /^Usage: amt-manager tenants acm-certificate set \[options\] <tenantId>$/m,
  },
  { bin: 'manager', args: ['--version'], code: 0, stdout: /^\d+\.\d+\.\d+/ },
  { bin: 'agent', args: ['run'], code: 1, stderr: /^error: required option '-c, --config <file>' not specified$/m },
  { bin: 'agent', args: ['version', '--bogus'], code: 2, stderr: /^error: unknown option '--bogus'$/m },
  {
    bin: 'agent',
    args: ['simulate', '--broker', 'mqtt://127.0.0.1:1', '--count', 'many'],
    code: 2,
    stderr: /^error: option '-n, --count <n>' argument 'many' is invalid\. expected a positive integer$/m,
  },
  { bin: 'agent', args: ['simulate', '--help'], code: 0, stdout: /^Usage: amt-agent simulate \[options\]$/m },
  { bin: 'broker', args: ['serve'], code: 1, stderr: /^error: required option '-c, --config <file>' not specified$/m },
  { bin: 'broker', args: ['hash-password', '--bogus'], code: 2, stderr: /^error: unknown option '--bogus'$/m },
  { bin: 'broker', args: ['serve', '--help'], code: 0, stdout: /^Usage: amt-broker serve \[options\]$/m },
]

// Serial: each case is a cold start of a node process, and the machine may be loaded.
for (const { bin, args, code, stderr, stdout } of cases)
  test.serial(`amt-${bin} ${args.join(' ')} exits ${code}`, async (t) => {
    const run = await execa(process.execPath, [LAUNCHER[bin], ...args], {
      reject: false,
      timeout: 60_000,
      stdin: 'ignore',
    })
    t.is(run.exitCode, code, `stderr: ${run.stderr}\nstdout: ${run.stdout}`)
    if (stderr === undefined) t.is(run.stderr, '')
    else t.regex(run.stderr, stderr)
    if (stdout === undefined) t.is(run.stdout, '')
    else t.regex(run.stdout, stdout)
  })
