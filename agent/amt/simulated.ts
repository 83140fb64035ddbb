import {
  rotationUnsupported,
  type ActivateRequest,
  type Amt,
  type AmtInfo,
  type ChangePasswordRequest,
  type DeactivateRequest,
  type RpcVersion,
} from './port.ts'
import { amtinfoDocumentV2, amtinfoDocumentV3, V2_ALL_SECTIONS } from './device-amtinfo.ts'
import type { DeviceModel } from './device-model.ts'
import { applyOperation, type DeviceOperation, type DeviceOutcome } from './device-operations.ts'
import { exitFailure, meUnavailable, rpcBadOutput, rpcStopped, rpcTimeout, rpsError } from './rpc-failure.ts'
import { decodeAmtinfo, decodeVersion, HECI_UNAVAILABLE } from './rpc-output.ts'
import { decodeCertificateHashes } from './rpc-certificate-hashes.ts'
import type { TrustedRootHash } from '../../schemas/index.ts'
import { RPC_DEFAULTS } from './rpc-defaults.ts'
import { createSerialQueue } from './serial-queue.ts'

export interface SimulatedAmtOptions {
  /** Duration of each call in ms (default 0: answers on the next tick). */
  latencyMs?: () => number
  /** Same meaning and defaults as the CLI adapter: a hanging call rejects with RpcTimeout. Infinity: never. */
  amtinfoTimeoutMs?: number
  operationTimeoutMs?: number
  /** Called with the new model after every call but `version` (persist it, publish it...). */
  onChange?: (model: DeviceModel) => void
}

/** An in-process Amt over a DeviceModel: same outcomes and AmtErrors as the rpc CLI adapter over the emulator. */
export interface SimulatedAmt extends Amt {
  /** The device as it is now. */
  model(): DeviceModel
  /** Replaces the device (e.g. to inject a fault mid-test). */
  setModel(model: DeviceModel): void
  /** Fails the running (even hanging) call and every queued one with RpcStopped. */
  stop(): Promise<void>
}

const ERROR_LEVELS = new Set(['error', 'fatal'])
const errorsOf = (outcome: DeviceOutcome) =>
  outcome.logs.filter((line) => ERROR_LEVELS.has(line.level)).map((line) => line.msg)
const present = (value: string | undefined): value is string => value !== undefined && value !== ''

function failure(command: string, outcome: DeviceOutcome, secrets: readonly string[]) {
  return exitFailure({
    command,
    exitCode: outcome.exitCode,
    errorMessages: errorsOf(outcome),
    fallbackText: outcome.logs.at(-1)?.msg,
    secrets,
  })
}

/** What the CLI adapter would parse from the emulator's stdout for this outcome. */
function amtinfoDocument(outcome: DeviceOutcome): unknown {
  if (outcome.result?.kind !== 'amtinfo') throw rpcBadOutput('amtinfo', 'stdout is not JSON')
  const { snapshot } = outcome.result
  return outcome.model.rpcLine === 'v2'
    ? amtinfoDocumentV2(snapshot, new Set(V2_ALL_SECTIONS))
    : amtinfoDocumentV3(snapshot)
}

/** Cheap enough for thousands per process: one model object, closures, and a timer only while a call runs. */
export function createSimulatedAmt(initial: DeviceModel, options: SimulatedAmtOptions = {}): SimulatedAmt {
  const { amtinfoTimeoutMs = RPC_DEFAULTS.amtinfoTimeoutMs, operationTimeoutMs = RPC_DEFAULTS.operationTimeoutMs } =
    options
  const queue = createSerialQueue()
  const stopper = new AbortController()
  let current = initial
  let detected: Promise<RpcVersion> | undefined

  /** Runs `task` with a signal that aborts on timeout or stop; the call rejects with the abort reason. */
  function bounded<T>(command: string, timeoutMs: number, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (stopper.signal.aborted) return Promise.reject(rpcStopped(command))
    const controller = new AbortController()
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => controller.abort(rpcTimeout(command, timeoutMs)), timeoutMs)
      : undefined
    const onStop = () => controller.abort(rpcStopped(command))
    stopper.signal.addEventListener('abort', onStop, { once: true })
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true })
    })
    return Promise.race([task(controller.signal), aborted]).finally(() => {
      clearTimeout(timer)
      stopper.signal.removeEventListener('abort', onStop)
      controller.abort() // settles `aborted` (ignored) so nothing stays pending
    })
  }

  function call(op: DeviceOperation, timeoutMs: number): Promise<DeviceOutcome> {
    return queue.run(() =>
      bounded(op.command, timeoutMs, async (signal) => {
        const latency = options.latencyMs?.() ?? 0
        if (latency > 0) await delay(latency, signal)
        const { activationFails, activationFailDelayMs = 0 } = current.faults
        if (op.command === 'activate' && activationFails !== undefined && activationFailDelayMs > 0)
          await delay(activationFailDelayMs, signal)
        signal.throwIfAborted()
        const outcome = applyOperation(current, op)
        current = outcome.model
        if (op.command !== 'version') options.onChange?.(current)
        if (outcome.hang) await delay(Infinity, signal)
        return outcome
      }),
    )
  }

  function version(): Promise<RpcVersion> {
    if (detected) return detected
    const attempt = call({ command: 'version' }, amtinfoTimeoutMs).then((outcome) => {
      if (outcome.exitCode !== 0) throw failure('version', outcome, [])
      if (outcome.result?.kind !== 'version') throw rpcBadOutput('version', 'stdout is not JSON')
      return decodeVersion(outcome.result)
    })
    detected = attempt
    void attempt.catch(() => {
      if (detected === attempt) detected = undefined
    })
    return attempt
  }

  async function info(): Promise<AmtInfo> {
    const { line } = await version()
    const outcome = await call({ command: 'amtinfo' }, amtinfoTimeoutMs)
    const heciOff = outcome.result?.kind === 'amtinfo' && !outcome.result.snapshot.heciAvailable && line === 'v3'
    if (heciOff) throw meUnavailable('amtinfo', outcome.exitCode)
    if (outcome.exitCode !== 0) throw failure('amtinfo', outcome, [])
    const parsed = decodeAmtinfo(line, amtinfoDocument(outcome))
    if (parsed === HECI_UNAVAILABLE) throw meUnavailable('amtinfo', outcome.exitCode)
    return parsed
  }

  async function certificateHashes(): Promise<TrustedRootHash[]> {
    const { line } = await version()
    const outcome = await call({ command: 'amtinfo', certificates: true }, amtinfoTimeoutMs)
    if (outcome.exitCode !== 0) throw failure('amtinfo', outcome, [])
    if (outcome.result?.kind !== 'amtinfo') throw rpcBadOutput('amtinfo', 'stdout is not JSON')
    const { snapshot } = outcome.result
    const document = line === 'v2' ? amtinfoDocumentV2(snapshot, new Set(['cert'])) : amtinfoDocumentV3(snapshot, true)
    return decodeCertificateHashes(document).hashes
  }

  async function operate(op: DeviceOperation, secrets: string[]): Promise<void> {
    await version()
    const outcome = await call(op, operationTimeoutMs)
    if (outcome.exitCode !== 0) throw failure(op.command, outcome, secrets)
    const firstError = errorsOf(outcome)[0]
    if (firstError !== undefined) throw rpsError(op.command, firstError, secrets)
  }

  return {
    version,
    info,
    certificateHashes,
    probeDevice: () => Promise.resolve(current.meDevice),
    activate: (request: ActivateRequest) =>
      operate(
        {
          command: 'activate',
          rpsUrl: request.rpsUrl,
          profile: request.profile,
          ...(present(request.password) ? { password: request.password } : {}),
          ...(present(request.dnsSuffix) ? { dnsSuffix: request.dnsSuffix } : {}),
        },
        [request.password, request.token].filter(present),
      ),
    deactivate: (request: DeactivateRequest) =>
      operate(
        {
          command: 'deactivate',
          ...(present(request.rpsUrl) ? { rpsUrl: request.rpsUrl } : {}),
          ...(present(request.password) ? { password: request.password } : {}),
        },
        [request.password].filter(present),
      ),
    async changePassword(request: ChangePasswordRequest) {
      const { line } = await version()
      if (line === 'v2') throw rotationUnsupported()
      await operate({ command: 'changePassword', password: request.password, newPassword: request.newPassword }, [
        request.password,
        request.newPassword,
      ])
    },
    model: () => current,
    setModel(model: DeviceModel) {
      current = model
    },
    async stop() {
      stopper.abort()
      await queue.run(() => Promise.resolve())
    },
  }
}

/** Resolves after `ms` (never for Infinity); rejects with the signal's reason when aborted. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error)
    const timer = Number.isFinite(ms) ? setTimeout(resolve, ms) : undefined
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason as Error)
      },
      { once: true },
    )
  })
}
