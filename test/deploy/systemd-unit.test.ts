import test from 'ava'
import { execa } from 'execa'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const UNIT_NAME = 'amt-agent.service'
const UNIT_PATH = fileURLToPath(new URL(`../../deploy/agent/${UNIT_NAME}`, import.meta.url))
/** Exposure × 10 above which `systemd-analyze security` fails the test (1.9 when this was written). */
const MAX_EXPOSURE_TENTHS = 20

const unitText = await readFile(UNIT_PATH, 'utf8')

/** `Key=value` lines of the unit (comments and section headers left out). */
function directives(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('['))
}

/**
 * A copy of the unit in a temp dir whose Exec*= executables exist on this machine (verify rejects a unit whose
 * binary is missing, and /usr/bin/amt-agent is only there once the package is installed); prefixes and
 * arguments are kept, so everything else is checked as shipped.
 */
async function verifiableCopy(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'amt-unit-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const text = unitText.replace(/^(Exec[A-Za-z]*=[-+@:!]*)(\/\S+)/gm, (_match, prefix: string) => `${prefix}${process.execPath}`)
  const file = join(dir, UNIT_NAME)
  await writeFile(file, text)
  return file
}

async function systemdAnalyze(args: string[]) {
  const result = await execa('systemd-analyze', args, { reject: false, timeout: 30_000, env: { SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' } })
  if (result.exitCode === undefined && !result.timedOut) {
    throw new Error(
      'systemd-analyze is required by this test and could not run (install Debian\'s systemd package: apt-get install -y systemd): ' +
        (result.originalMessage ?? result.shortMessage ?? 'unknown error'),
    )
  }
  return result
}

test('amt-agent.service passes systemd-analyze verify without any warning', async (t) => {
  const file = await verifiableCopy(t)
  const result = await systemdAnalyze(['verify', file])
  const output = `${result.stdout}\n${result.stderr}`
  const aboutUnit = output.split('\n').filter((line) => line.includes('amt-agent'))
  t.deepEqual(aboutUnit, [], `systemd-analyze verify complained:\n${output}`)
  t.is(result.exitCode, 0, output)
})

test(`amt-agent.service exposure (systemd-analyze security --offline) stays at or below ${MAX_EXPOSURE_TENTHS / 10}`, async (t) => {
  const file = await verifiableCopy(t)
  const result = await systemdAnalyze(['security', '--offline=yes', '--no-pager', `--threshold=${MAX_EXPOSURE_TENTHS}`, file])
  const score = /Overall exposure level for amt-agent\.service: (\d+\.\d+)/.exec(result.stdout)?.[1]
  t.truthy(score, `no exposure score in:\n${result.stdout}\n${result.stderr}`)
  t.log(`exposure ${score ?? '?'}`)
  t.is(result.exitCode, 0, result.stdout.split('\n').filter((line) => line.startsWith('✗')).join('\n'))
})

test('amt-agent.service keeps its documented privilege decisions', (t) => {
  const lines = directives(unitText)
  for (const expected of [
    'User=root',
    'ExecStart=/usr/bin/amt-agent run --config /etc/amt-agent/config.yaml',
    'ExecStartPre=-+/usr/sbin/modprobe mei_me',
    'Restart=on-failure',
    'CapabilityBoundingSet=',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'DevicePolicy=closed',
    'DeviceAllow=char-mei rw',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK',
    'SystemCallFilter=@system-service',
  ]) {
    t.true(lines.includes(expected), `missing ${expected}`)
  }
  // V8's JIT needs writable+executable pages: this would make Node abort at start.
  t.false(lines.some((line) => line.startsWith('MemoryDenyWriteExecute=')), 'MemoryDenyWriteExecute breaks Node')
  // PrivateDevices would hide /dev/mei*, which rpc needs.
  t.false(lines.some((line) => line.startsWith('PrivateDevices=')), 'PrivateDevices hides /dev/mei*')
})
