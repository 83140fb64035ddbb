import { execa } from 'execa'
import type { Logger } from '../../lib/log.ts'
import type { TrustedRootHash } from '../../schemas/index.ts'
import {
  rotationUnsupported,
  type ActivateRequest,
  type Amt,
  type AmtInfo,
  type ChangePasswordRequest,
  type DeactivateRequest,
  type RpcVersion,
} from './port.ts'
import { probeMeDevice } from './classify.ts'
import { RPC_DEFAULTS } from './rpc-defaults.ts'
import {
  activateInvocation,
  amtinfoCertificatesInvocation,
  changePasswordInvocation,
  amtinfoInvocation,
  childEnvironment,
  deactivateInvocation,
  redactArgv,
  versionInvocation,
  type RpcInvocation,
} from './rpc-argv.ts'
import {
  exitFailure,
  meUnavailable,
  rpcBadOutput,
  rpcNotFound,
  rpcStopped,
  rpcTerminated,
  rpcTimeout,
  rpsError,
  sanitize,
} from './rpc-failure.ts'
import { parseCertificateHashes } from './rpc-certificate-hashes.ts'
import { scanRpcLog } from './rpc-log.ts'
import { HECI_UNAVAILABLE, parseAmtinfo, parseVersion } from './rpc-output.ts'
import { createSerialQueue } from './serial-queue.ts'

/**
 * The agent config's `rpc` section as the YAML names it, plus the logger. The optional settings default to
 * RPC_DEFAULTS' (rpc-defaults.ts, where they are described).
 */
export interface RpcCliOptions {
  /** Path of the rpc binary, e.g. /usr/bin/rpc. */
  path: string
  amtinfoTimeoutMs?: number
  operationTimeoutMs?: number
  killGraceMs?: number
  skipCertCheck?: boolean
  devDir?: string
  /** Base environment of rpc (default process.env); variables rpc reads as flag defaults are removed. */
  env?: NodeJS.ProcessEnv
  log: Logger
}

/** The rpc CLI adapter. `stop()` kills a running rpc (SIGTERM, then SIGKILL) and fails queued calls with RpcStopped. */
export interface RpcCliAmt extends Amt {
  stop(): Promise<void>
}

interface RpcRun {
  exitCode: number
  stdout: string
  stderr: string
}

const MAX_OUTPUT_BYTES = 4 * 1024 * 1024

/**
 * Runs Intel's rpc through execa: one process at a time, every call bounded by a timeout after which the child
 * gets SIGTERM and, after `killGraceMs`, SIGKILL. The rpc line (v2/v3) is detected once with `version --json`.
 */
export function createRpcCliAmt(options: RpcCliOptions): RpcCliAmt {
  const {
    path: rpcPath,
    amtinfoTimeoutMs = RPC_DEFAULTS.amtinfoTimeoutMs,
    operationTimeoutMs = RPC_DEFAULTS.operationTimeoutMs,
    killGraceMs = RPC_DEFAULTS.killGraceMs,
    skipCertCheck = RPC_DEFAULTS.skipCertCheck,
    devDir = RPC_DEFAULTS.devDir,
  } = options
  const log = options.log.child({ module: 'amt-rpc' })
  const baseEnv = childEnvironment(options.env ?? process.env)
  const queue = createSerialQueue()
  const stopper = new AbortController()
  let detected: Promise<RpcVersion> | undefined

  async function spawnRpc(invocation: RpcInvocation): Promise<RpcRun> {
    const { command, secrets } = invocation
    if (stopper.signal.aborted) throw rpcStopped(command)
    const timeoutMs = invocation.timeout === 'query' ? amtinfoTimeoutMs : operationTimeoutMs
    log.info({ command, argv: redactArgv(invocation.argv, secrets), timeoutMs }, 'rpc started')
    const child = execa(rpcPath, invocation.argv, {
      env: { ...baseEnv, ...invocation.env },
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: timeoutMs,
      killSignal: 'SIGTERM',
      forceKillAfterDelay: killGraceMs,
      cancelSignal: stopper.signal,
      maxBuffer: MAX_OUTPUT_BYTES,
    })
    const result = await child
    const fields = { command, durationMs: Math.round(result.durationMs), childPid: child.pid }
    if (result.timedOut) {
      log.warn({ ...fields, timeoutMs, forced: result.isForcefullyTerminated }, 'rpc timed out and was killed')
      throw rpcTimeout(command, timeoutMs)
    }
    if (result.isCanceled) throw rpcStopped(command)
    if (result.isMaxBuffer) throw rpcBadOutput(command, `more than ${MAX_OUTPUT_BYTES} bytes of output`)
    if (result.exitCode === undefined) {
      if (result.signal) throw rpcTerminated(command, result.signal)
      const error = rpcNotFound(rpcPath, result.code ?? 'spawn failed')
      log.error({ ...fields, err: error }, 'rpc could not be started')
      throw error
    }
    log.info({ ...fields, exitCode: result.exitCode }, 'rpc finished')
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }
  }

  /** A failure from a non-zero exit: rpc's error lines, else its last line of text. */
  function failureOf(invocation: RpcInvocation, run: RpcRun) {
    const scan = scanRpcLog(run.stderr)
    const fallbackText = scan.lastText ?? run.stdout.trim().split('\n').at(-1)
    return exitFailure({
      command: invocation.command,
      exitCode: run.exitCode,
      errorMessages: scan.errors,
      fallbackText,
      secrets: invocation.secrets,
    })
  }

  function run<T>(invocation: RpcInvocation, interpret: (run: RpcRun) => T): Promise<T> {
    return queue.run(async () => interpret(await spawnRpc(invocation)))
  }

  function version(): Promise<RpcVersion> {
    if (detected) return detected
    const invocation = versionInvocation()
    const attempt = run(invocation, (result) => {
      if (result.exitCode !== 0) throw failureOf(invocation, result)
      const found = parseVersion(result.stdout)
      log.info({ line: found.line, version: found.version }, 'rpc line detected')
      return found
    })
    detected = attempt
    // A failed detection is not cached: the next call tries again.
    void attempt.catch(() => {
      if (detected === attempt) detected = undefined
    })
    return attempt
  }

  function isHeciUnavailable(stdout: string): boolean {
    try {
      return parseAmtinfo('v3', stdout) === HECI_UNAVAILABLE
    } catch {
      return false
    }
  }

  async function info(): Promise<AmtInfo> {
    const { line } = await version()
    const invocation = amtinfoInvocation(line)
    return run(invocation, (result) => {
      if (result.exitCode !== 0) {
        if (line === 'v3' && isHeciUnavailable(result.stdout)) throw meUnavailable('amtinfo', result.exitCode)
        throw failureOf(invocation, result)
      }
      const { errors } = scanRpcLog(result.stderr)
      if (errors.length > 0)
        log.warn(
          { command: 'amtinfo', errors: errors.map((text) => sanitize(text, [])) },
          'rpc amtinfo could not read every field',
        )
      const parsed = parseAmtinfo(line, result.stdout)
      if (parsed === HECI_UNAVAILABLE) throw meUnavailable('amtinfo', result.exitCode)
      const { missingFields } = parsed
      if (missingFields) log.warn({ command: 'amtinfo', missingFields }, 'rpc amtinfo left fields unread')
      return parsed
    })
  }

  async function certificateHashes(): Promise<TrustedRootHash[]> {
    const { line } = await version()
    const invocation = amtinfoCertificatesInvocation(line)
    return run(invocation, (result) => {
      if (result.exitCode !== 0) throw failureOf(invocation, result)
      const { hashes, skipped } = parseCertificateHashes(result.stdout)
      if (skipped > 0) log.warn({ command: 'amtinfo', skipped }, 'rpc amtinfo -cert: malformed hashes left out')
      return hashes
    })
  }

  /** activate/deactivate: success only when rpc exits 0 AND logged no error (v2 exits 0 on RPS errors). */
  async function operate(invocation: RpcInvocation): Promise<void> {
    await run(invocation, (result) => {
      if (result.exitCode !== 0) throw failureOf(invocation, result)
      const scan = scanRpcLog(result.stderr)
      log.debug(
        { command: invocation.command, messages: scan.lines.map((line) => sanitize(line.msg, invocation.secrets)) },
        'rpc output',
      )
      if (scan.firstError !== undefined) throw rpsError(invocation.command, scan.firstError, invocation.secrets)
    })
  }

  return {
    version,
    info,
    certificateHashes,
    probeDevice: () => probeMeDevice(devDir),
    async activate(request: ActivateRequest) {
      const { line } = await version()
      await operate(activateInvocation(line, request, skipCertCheck))
    },
    async deactivate(request: DeactivateRequest) {
      const { line } = await version()
      await operate(deactivateInvocation(line, request, skipCertCheck))
    },
    async changePassword(request: ChangePasswordRequest) {
      const { line } = await version()
      if (line === 'v2') throw rotationUnsupported()
      await operate(changePasswordInvocation(request))
    },
    async stop() {
      stopper.abort(new Error('amt adapter stopped'))
      await queue.run(() => Promise.resolve())
    },
  }
}
