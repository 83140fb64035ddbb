import { classifyCapability } from '../amt/classify.ts'
import { AmtError, type AmtInfo, type CapabilityClass } from '../amt/port.ts'
import { skuUnreadable } from '../amt/rpc-failure.ts'
import type { RpcError } from '../../schemas/index.ts'
import type { ReconcileContext } from './context.ts'
import { toRpcError } from './failure.ts'
import { trustedRootHashes } from './root-hashes.ts'
import type { TrustedRootHash } from '../../schemas/index.ts'

/** What the observe step saw. */
export interface Observation {
  meDevice: string | null
  /** Null when the node has no usable ME. */
  info: AmtInfo | null
  capability: CapabilityClass
  /** AMT's trusted root hashes; null when not read (not capable, rpc failed). */
  trustedRootHashes: TrustedRootHash[] | null
  /** The rpc failure that showed the node is not capable (e.g. 2 HECIDriverNotDetected), if any. */
  noMeError: RpcError | null
}

export type ObserveResult = { ok: true; observation: Observation } | { ok: false; error: unknown }

/**
 * The observe step: which rpc is installed (once), which ME device is present, a fresh amtinfo, and the
 * capability classified from them. An rpc failure that says nothing about capability (timeout, transient,
 * garbage output, no readable SKU) is returned as an error: the pass reports it and looks again later.
 */
export async function observe(ctx: ReconcileContext): Promise<ObserveResult> {
  ctx.signal.throwIfAborted()
  await learnRpcVersion(ctx)
  const meDevice = await ctx.amt.probeDevice()
  if (meDevice === null) {
    const capability =
      classifyCapability({ meDevice, error: noDeviceError() }) ?? notCapable('no Intel ME interface device')
    return { ok: true, observation: { meDevice, info: null, capability, trustedRootHashes: null, noMeError: null } }
  }
  ctx.signal.throwIfAborted()
  try {
    const info = await ctx.amt.info()
    const capability = classifyCapability({ meDevice, info })
    // No readable SKU on an unprovisioned AMT: capability unknown, so a failed observation, never NOT_SUPPORTED.
    if (capability === null) return { ok: false, error: skuUnreadable() }
    const hashes = capability.capable ? await trustedRootHashes(ctx, info) : null
    return { ok: true, observation: { meDevice, info, capability, trustedRootHashes: hashes, noMeError: null } }
  } catch (err) {
    if (!(err instanceof AmtError)) throw err
    const capability = classifyCapability({ meDevice, error: err })
    if (capability === null) return { ok: false, error: err }
    const noMeError = toRpcError(err)
    return { ok: true, observation: { meDevice, info: null, capability, trustedRootHashes: null, noMeError } }
  }
}

/** `rpc version` once per process; v2 fails it without an ME device, so a failure is simply tried next pass. */
async function learnRpcVersion(ctx: ReconcileContext): Promise<void> {
  if (ctx.memory.rpcVersion !== null) return
  try {
    ctx.memory.rpcVersion = await ctx.amt.version()
    ctx.log.info({ rpc: ctx.memory.rpcVersion }, 'rpc detected')
  } catch (err) {
    if (!(err instanceof AmtError)) throw err
    ctx.log.warn({ err: toRpcError(err) }, 'rpc version unknown')
  }
}

const notCapable = (reason: string): CapabilityClass => ({ capable: false, sku: 'UNSPECIFIED', reason })

const noDeviceError = () =>
  new AmtError({
    code: null,
    codeName: 'HECIDriverNotDetected',
    errorClass: 'permanent',
    message: 'no ME interface device found',
  })
