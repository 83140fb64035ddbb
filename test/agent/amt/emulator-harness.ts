import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ExecutionContext } from 'ava'
import { createLogger } from '../../../lib/log.ts'
import { createDeviceModel, type DeviceModel, type DeviceModelInit } from '../../../agent/amt/device-model.ts'
import { parseDeviceModel } from '../../../agent/amt/device-model-schema.ts'
import { createRpcCliAmt, type RpcCliAmt } from '../../../agent/amt/rpc-cli.ts'
import type { CallRecord } from '../../fixtures/rpc-emulator/calls-log.ts'
import { EMULATOR_READY_TIMEOUT_MS } from '../../fixtures/rpc-emulator/timing.ts'
import type { HarnessOptions } from './amt-conformance.ts'

/** The rpc emulator executable. */
export const RPC_EMULATOR = fileURLToPath(new URL('../../fixtures/bin/rpc', import.meta.url))

export interface EmulatorHarness {
  amt: RpcCliAmt
  dir: string
  devicePath: string
  /** Environment that points the emulator at this device and calls log. */
  env: NodeJS.ProcessEnv
  model(): Promise<DeviceModel>
  calls(): Promise<CallRecord[]>
  /** Every line the adapter logged, as written (JSON text). */
  logText(): string
  logs(): Record<string, unknown>[]
}

/** A temp device file + calls log + fake /dev with the ME node, and the real CLI adapter over the emulator. */
export async function createEmulatorHarness(
  t: ExecutionContext,
  device: DeviceModelInit,
  options: HarnessOptions & { env?: NodeJS.ProcessEnv } = {},
): Promise<EmulatorHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'rpc-emulator-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const devicePath = join(dir, 'device.json')
  const callsPath = join(dir, 'calls.jsonl')
  const devDir = join(dir, 'dev')
  await mkdir(devDir)
  const model = createDeviceModel(device)
  await writeFile(devicePath, JSON.stringify(model, null, 2))
  if (model.meDevice !== null) await writeFile(join(devDir, basename(model.meDevice)), '')

  const lines: string[] = []
  const log = createLogger({
    name: 'test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  })
  const env = { ...(options.env ?? process.env), RPC_EMULATOR_DEVICE: devicePath, RPC_EMULATOR_LOG: callsPath }
  const amt = createRpcCliAmt({
    path: RPC_EMULATOR,
    devDir,
    env,
    log,
    amtinfoTimeoutMs: options.amtinfoTimeoutMs ?? 30_000,
    operationTimeoutMs: options.operationTimeoutMs ?? 30_000,
    killGraceMs: options.killGraceMs ?? 1_000,
  })
  t.teardown(() => amt.stop())
  return {
    amt,
    dir,
    devicePath,
    env,
    model: async () => parseDeviceModel(JSON.parse(await readFile(devicePath, 'utf8')) as unknown),
    async calls() {
      const text = await readFile(callsPath, 'utf8').catch(() => '')
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as CallRecord)
    },
    logText: () => lines.join(''),
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}

export type StartRecord = Extract<CallRecord, { event: 'start' }>

/** The argv of every started call, in order. */
export function startedArgv(calls: readonly CallRecord[]): string[][] {
  return calls.flatMap((call) => (call.event === 'start' ? [call.argv] : []))
}

/** True while a process with this pid exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The emulator's `start` record of the first call of `command`: written once the emulator is up (after its cold start),
 * so from then on a hanging call really hangs.
 */
export function waitForStart(h: Pick<EmulatorHarness, 'calls'>, command: string): Promise<StartRecord> {
  const isStart = (call: CallRecord): call is StartRecord => call.event === 'start' && call.argv[0] === command
  return waitFor(async () => (await h.calls()).find(isStart), EMULATOR_READY_TIMEOUT_MS)
}

/** Resolves with the first truthy value of `probe`, checked every 50 ms; rejects after `timeoutMs`. */
async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
