import { access } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../../lib/log.ts'
import { ServiceControlError } from './errors.ts'
import type { LmsState, ServiceControl } from './port.ts'
import { runFixedCommand, runFixedCommandOrThrow, type RunCommandOptions } from './run-command.ts'
import { MEI_MODULE, SYSTEMD_DEFAULTS } from './systemd-defaults.ts'

/** Each option defaults to SYSTEMD_DEFAULTS' (systemd-defaults.ts, where they are described). */
export interface SystemdServiceControlOptions {
  modprobe?: readonly string[]
  systemctl?: string
  lmsUnit?: string
  sysModuleDir?: string
  sysPciDriversDir?: string
  commandTimeoutMs?: number
  log: Logger
}
/** A plain unit name: cannot be mistaken for an option or carry a path. */
const UNIT_NAME = /^[A-Za-z0-9][A-Za-z0-9:_.@-]*\.service$/
/** `systemctl is-active` states that mean "the unit is not running (yet)". */
const NOT_RUNNING_STATES = new Set(['inactive', 'failed', 'activating', 'deactivating', 'maintenance', 'refreshing'])

/**
 * ServiceControl through systemctl and modprobe, run by execa with fixed argv (no shell). Only the executables
 * and the unit name come from config, validated here; nothing from the network ever reaches an argv.
 */
export function createSystemdServiceControl(options: SystemdServiceControlOptions): ServiceControl {
  const {
    modprobe = SYSTEMD_DEFAULTS.modprobe,
    systemctl = SYSTEMD_DEFAULTS.systemctl,
    lmsUnit = SYSTEMD_DEFAULTS.lmsUnit,
    sysModuleDir = SYSTEMD_DEFAULTS.sysModuleDir,
    sysPciDriversDir = SYSTEMD_DEFAULTS.sysPciDriversDir,
    commandTimeoutMs = SYSTEMD_DEFAULTS.commandTimeoutMs,
  } = options
  assertCommand('modprobe', modprobe)
  assertCommand('systemctl', [systemctl])
  if (!UNIT_NAME.test(lmsUnit))
    throw new Error(`invalid lmsUnit ${JSON.stringify(lmsUnit)}: expected a unit name like lms.service`)
  const log = options.log.child({ module: 'services/systemd' })
  const run: RunCommandOptions = { timeoutMs: commandTimeoutMs, log }

  async function isUnitInstalled(): Promise<boolean> {
    const argv = [systemctl, 'list-unit-files', '--no-legend', '--no-pager', lmsUnit]
    const result = await runFixedCommand(argv, run)
    const listed = result.stdout.split('\n').some((line) => line.trim().split(/\s+/)[0] === lmsUnit)
    if (listed) return true
    // systemd >= 248 exits 1 with empty output when no unit file matches; anything on stderr is a real failure.
    if (result.exitCode === 0 || result.stderr === '') return false
    throw new ServiceControlError(
      'SERVICE_COMMAND_FAILED',
      `${argv.join(' ')} exited with ${result.exitCode}: ${result.stderr}`,
      {
        command: argv,
        exitCode: result.exitCode,
        stderr: result.stderr,
      },
    )
  }

  async function lmsState(): Promise<LmsState> {
    const argv = [systemctl, 'is-active', lmsUnit]
    const result = await runFixedCommand(argv, run)
    const word = result.stdout.trim()
    if (result.exitCode === 0) return word === 'active' || word === 'reloading' ? 'active' : 'unknown'
    if (!NOT_RUNNING_STATES.has(word)) {
      const detail = result.stderr === '' ? `printed ${JSON.stringify(word)}` : result.stderr
      throw new ServiceControlError(
        'SERVICE_COMMAND_FAILED',
        `${argv.join(' ')} exited with ${result.exitCode}: ${detail}`,
        {
          command: argv,
          exitCode: result.exitCode,
          stderr: result.stderr,
        },
      )
    }
    // `is-active` says "inactive" for a unit that does not exist at all: tell the two apart.
    return (await isUnitInstalled()) ? 'inactive' : 'not-installed'
  }

  async function ensureMei(): Promise<void> {
    // A loadable module shows in /sys/module; a built-in driver may only show under the PCI bus.
    for (const dir of [join(sysModuleDir, MEI_MODULE), join(sysPciDriversDir, MEI_MODULE)]) {
      if (await exists(dir)) {
        log.debug({ dir }, 'mei_me already loaded')
        return
      }
    }
    await runFixedCommandOrThrow(modprobe, run)
    log.info({ command: modprobe }, 'loaded mei_me')
  }

  async function enableLms(): Promise<void> {
    const before = await lmsState()
    if (before === 'active') {
      log.debug({ unit: lmsUnit }, 'LMS already active')
      return
    }
    if (before === 'not-installed') {
      throw new ServiceControlError(
        'LMS_NOT_INSTALLED',
        `${lmsUnit} is not installed on this node (no unit file); install LMS in the OS image`,
      )
    }
    await runFixedCommandOrThrow([systemctl, 'unmask', lmsUnit], run)
    await runFixedCommandOrThrow([systemctl, 'enable', '--now', lmsUnit], run)
    const after = await lmsState()
    if (after !== 'active') {
      throw new ServiceControlError(
        'LMS_NOT_ACTIVE',
        `${lmsUnit} was enabled and started but is ${after}; see journalctl -u ${lmsUnit}`,
      )
    }
    log.info({ unit: lmsUnit, before }, 'LMS enabled and started')
  }

  return { lmsState, ensureMei, enableLms }
}

function assertCommand(name: string, argv: readonly string[]): void {
  if (argv.length === 0 || argv.some((part) => part === '' || part.includes('\0'))) {
    throw new Error(`invalid ${name} command ${JSON.stringify(argv)}: expected non-empty arguments`)
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}
