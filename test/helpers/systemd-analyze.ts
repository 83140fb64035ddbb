import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { ExecutionContext } from 'ava'
import { execa } from 'execa'

/** `Key=value` lines of a unit (comments and section headers left out). */
export function directives(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('['))
}

/**
 * A copy of the unit in a temp dir whose Exec*= executables exist on this machine (verify rejects a unit whose
 * binary is missing, e.g. /usr/bin/amt-agent before the package is installed); prefixes and arguments are kept, so
 * everything else is checked as shipped.
 */
export async function verifiableCopy(t: ExecutionContext, unitText: string, unitName: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'amt-unit-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const text = unitText.replace(
    /^(Exec[A-Za-z]*=[-+@:!]*)(\/\S+)/gm,
    (_match, prefix: string) => `${prefix}${process.execPath}`,
  )
  const file = join(dir, unitName)
  await writeFile(file, text)
  return file
}

async function systemdAnalyze(args: string[]) {
  const result = await execa('systemd-analyze', args, {
    reject: false,
    timeout: 30_000,
    env: { SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' },
  })
  if (result.exitCode === undefined && !result.timedOut) {
    throw new Error(
      "systemd-analyze is required by this test and could not run (install Debian's systemd package: apt-get install -y systemd): " +
        (result.originalMessage ?? result.shortMessage ?? 'unknown error'),
    )
  }
  return result
}

/** `systemd-analyze verify` output lines about the unit (none when it is clean) and its exit code. */
export async function verifyUnit(
  file: string,
): Promise<{ complaints: string[]; exitCode: number | undefined; output: string }> {
  const result = await systemdAnalyze(['verify', file])
  const output = `${result.stdout}\n${result.stderr}`
  const name = basename(file).replace(/\.service$/, '')
  return { complaints: output.split('\n').filter((line) => line.includes(name)), exitCode: result.exitCode, output }
}

/** `systemd-analyze security --offline=yes` with a threshold (exposure × 10): the score, and the exit code. */
export async function unitExposure(file: string, maxTenths: number) {
  const result = await systemdAnalyze(['security', '--offline=yes', '--no-pager', `--threshold=${maxTenths}`, file])
  const name = basename(file).replaceAll('.', '\\.')
  const score = new RegExp(`Overall exposure level for ${name}: (\\d+\\.\\d+)`).exec(result.stdout)?.[1]
  const findings = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('✗'))
    .join('\n')
  return { score, exitCode: result.exitCode, findings, output: `${result.stdout}\n${result.stderr}` }
}
