import { rpcErrorText } from './exit-codes.ts'
import { snapshotOf, type AmtSnapshot } from './device-amtinfo.ts'
import {
  amtMajor,
  PRE_PROVISIONING_RAS,
  profileMode,
  reportedSku,
  type DeviceModel,
  type DeviceRas,
} from './device-model.ts'

/** What a caller asks rpc to do, after argv/env parsing (emulator) or request mapping (simulated adapter). */
export type DeviceOperation =
  | { command: 'version' }
  /** certificates: only the certificate hashes (`amtinfo -cert`), which does not count as a call. */
  | { command: 'amtinfo'; certificates?: boolean }
  | { command: 'activate'; rpsUrl: string; profile: string; password?: string; dnsSuffix?: string }
  /** No rpsUrl: local deactivation. */
  | { command: 'deactivate'; rpsUrl?: string; password?: string }
  /** rpc v3 `configure amtpassword`: a local (WS-MAN) change from `password` to `newPassword`. */
  | { command: 'changePassword'; password?: string; newPassword: string }

/** A log line rpc writes to stderr (logrus levels). */
export interface DeviceLogLine {
  level: 'debug' | 'info' | 'warning' | 'error' | 'fatal'
  msg: string
}

type DeviceResult =
  | { kind: 'version'; app: string; version: string; protocol: string }
  | { kind: 'amtinfo'; snapshot: AmtSnapshot }
  | { kind: 'garbage'; text: string }

/** The semantic result of one rpc call; `model` is the device afterwards (counters included). */
export interface DeviceOutcome {
  exitCode: number
  /** The call never exits (fault `hang`, or activation without LMS on AMT < 19). Other fields but `model` are empty. */
  hang: boolean
  logs: DeviceLogLine[]
  result?: DeviceResult
  model: DeviceModel
}

const RPC_PROTOCOL_VERSION = '4.0.0'
const GARBAGE_STDOUT = 'panic: runtime error: invalid memory address\n\x00\x1b[31mAMT\x1b[0m: ??? {{{'

const done = (model: DeviceModel, logs: DeviceLogLine[], result?: DeviceResult): DeviceOutcome => ({
  exitCode: 0,
  hang: false,
  logs,
  model,
  ...(result ? { result } : {}),
})
const info = (msg: string): DeviceLogLine => ({ level: 'info', msg })
const error = (msg: string): DeviceLogLine => ({ level: 'error', msg })

function fail(model: DeviceModel, code: number, details?: string, before: DeviceLogLine[] = []): DeviceOutcome {
  return { exitCode: code, hang: false, logs: [...before, error(rpcErrorText(code, details))], model }
}

/** RPS answered with an error: rpc v2 logs it and exits 0 (its quirk); v3 exits 10. Nothing changes. */
function rpsFailure(model: DeviceModel, text: string): DeviceOutcome {
  if (model.rpcLine === 'v2') return done(model, [info('connecting to RPS'), error(text)])
  return { exitCode: 10, hang: false, logs: [error(`rps returned error: ${text}`)], model }
}

const isTransientCall = (model: DeviceModel): boolean => {
  const on = model.faults.transientOnCall
  return on !== undefined && (Array.isArray(on) ? on : [on]).includes(model.counters.calls)
}

function amtinfo(next: DeviceModel, certificates: boolean): DeviceOutcome {
  if (next.faults.garbageStdout) return done(next, [], { kind: 'garbage', text: GARBAGE_STDOUT })
  if (certificates && next.faults.garbageCertificates === true)
    return done(next, [], { kind: 'garbage', text: GARBAGE_STDOUT })
  const shown: DeviceRas = { ...next.ras }
  // A certificates-only read shows no RAS: it does not advance a stuck connection.
  if (certificates) return done(next, [], { kind: 'amtinfo', snapshot: snapshotOf(next, shown, true) })
  if (next.ras.remoteStatus === 'connecting' && next.counters.connectingRemaining > 0) {
    next.counters.connectingRemaining -= 1
    if (next.counters.connectingRemaining === 0) next.ras.remoteStatus = 'connected'
  }
  return done(next, [], { kind: 'amtinfo', snapshot: snapshotOf(next, shown, true) })
}

function mpsHostnameOf(rpsUrl: string): string {
  return new URL(rpsUrl).hostname.replace(/^rps\./, 'mps.')
}

function activate(next: DeviceModel, op: Extract<DeviceOperation, { command: 'activate' }>): DeviceOutcome {
  const sku = reportedSku(next)
  if (sku === null || (sku & 0x18) === 0) return fail(next, 111, 'AMT is not supported on this platform (SKU)')
  if (!/^wss?:\/\/[^/\s]+/i.test(op.rpsUrl)) return fail(next, 20)
  if (op.profile === '') return fail(next, 21)
  if (next.controlMode !== 'pre-provisioning') return fail(next, 111, 'device is already activated')
  if (next.faults.lmsMissing || (!next.lmsInstalled && amtMajor(next) >= 19)) return fail(next, 139)
  if (!next.lmsInstalled) return { exitCode: 0, hang: true, logs: [], model: next }
  if (next.faults.activationFails !== undefined) return fail(next, next.faults.activationFails)
  const mode = profileMode(next, op.profile)
  if (!mode) return rpsFailure(next, `profile ${op.profile} not found`)
  const rpsError = next.faults.v2RpsError
  if (rpsError)
    return rpsFailure(
      next,
      typeof rpsError === 'string' ? rpsError : 'failed to activate device: RPS reported an error',
    )

  const { stuckConnecting = 0, stuckConnectingActivations } = next.faults
  const stuck =
    stuckConnecting > 0 &&
    (stuckConnectingActivations === undefined || next.counters.activations < stuckConnectingActivations)
  next.controlMode = mode
  next.password = op.password ?? null
  if (op.dnsSuffix) next.dnsSuffix = op.dnsSuffix
  next.ras = {
    networkStatus: next.ras.networkStatus,
    remoteStatus: stuck ? 'connecting' : 'connected',
    remoteTrigger: 'periodic',
    mpsHostname: mpsHostnameOf(op.rpsUrl),
  }
  next.counters.activations += 1
  next.counters.connectingRemaining = stuck ? stuckConnecting : 0
  return done(next, [
    info(mode === 'acm' ? 'Status: Admin control mode.' : 'Status: Client control mode.'),
    info('Network: Wired Network Configured'),
    info('CIRA: Configured'),
    info('TLS: unconfigured'),
  ])
}

function deactivate(next: DeviceModel, op: Extract<DeviceOperation, { command: 'deactivate' }>): DeviceOutcome {
  const remote = op.rpsUrl !== undefined && op.rpsUrl !== ''
  if (remote && !/^wss?:\/\/[^/\s]+/i.test(op.rpsUrl ?? '')) return fail(next, 20)
  if (next.controlMode === 'pre-provisioning') return fail(next, 109, 'Device control mode: pre-provisioning state')
  const needsPassword = remote || next.controlMode === 'acm'
  const logs: DeviceLogLine[] = []
  if (needsPassword) {
    if (!op.password) return fail(next, 23)
    if (next.faults.wrongPassword || (next.password !== null && op.password !== next.password))
      return fail(next, 23, 'AMT password is incorrect')
  } else if (op.password) {
    logs.push({ level: 'warning', msg: 'AMT password not required for CCM deactivation' })
  }
  const rpsError = next.faults.v2RpsError
  if (remote && rpsError)
    return rpsFailure(
      next,
      typeof rpsError === 'string' ? rpsError : 'failed to deactivate device: RPS reported an error',
    )

  next.controlMode = 'pre-provisioning'
  next.password = null
  next.ras = { ...PRE_PROVISIONING_RAS, networkStatus: next.ras.networkStatus }
  next.counters.connectingRemaining = 0
  return done(next, [...logs, info(remote ? 'Status: Deactivated' : 'Status: Device deactivated')])
}

/**
 * Applies one rpc call to the device: pure, `model` is not modified. Order: count the call (not `version`, not `amtinfo -cert`), hang,
 * ME present, transient fault on this call number, then the command's own rules.
 */
export function applyOperation(model: DeviceModel, op: DeviceOperation): DeviceOutcome {
  const next = structuredClone(model)
  const counted = op.command !== 'version' && !(op.command === 'amtinfo' && op.certificates === true)
  if (counted) next.counters.calls += 1
  if (next.faults.hang?.includes(op.command)) return { exitCode: 0, hang: true, logs: [], model: next }

  const noMe = next.faults.noMe === true || next.meDevice === null
  if (noMe) {
    if (next.rpcLine === 'v3' && op.command === 'version') return versionOf(next)
    if (next.rpcLine === 'v3' && op.command === 'amtinfo') {
      return done(next, [{ level: 'warning', msg: 'HECI driver not available: AMT data is not shown' }], {
        kind: 'amtinfo',
        snapshot: snapshotOf(next, next.ras, false),
      })
    }
    return fail(next, 2, undefined, [error(`open ${next.meDevice ?? '/dev/mei0'}: no such file or directory`)])
  }
  if (counted && isTransientCall(next)) {
    return fail(next, 10, undefined, [error(`ioctl on ${next.meDevice ?? '/dev/mei0'}: interrupted system call`)])
  }
  switch (op.command) {
    case 'version':
      return versionOf(next)
    case 'amtinfo':
      return amtinfo(next, op.certificates === true)
    case 'activate':
      return activate(next, op)
    case 'deactivate':
      return deactivate(next, op)
    case 'changePassword':
      return changePassword(next, op)
  }
}

/** Like rpc v3: a refused current password is the WS-MAN 401 of the first call, a plain error (exit 10). */
function changePassword(next: DeviceModel, op: Extract<DeviceOperation, { command: 'changePassword' }>): DeviceOutcome {
  if (next.controlMode === 'pre-provisioning') return fail(next, 115)
  if (!op.password) return fail(next, 23)
  if (next.faults.wrongPassword || (next.password !== null && op.password !== next.password))
    return fail(next, 10, 'failed to get AMT general settings: Received 401 unauthorized')
  if (next.faults.changePasswordFails) return fail(next, 10, 'failed to update AMT password: AMT answered an error')
  next.password = op.newPassword
  return done(next, [info('Changing AMT password...'), info('Successfully updated AMT Password.')])
}

function versionOf(next: DeviceModel): DeviceOutcome {
  return done(next, [], { kind: 'version', app: 'RPC', version: next.rpcVersion, protocol: RPC_PROTOCOL_VERSION })
}
