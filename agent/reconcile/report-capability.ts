import type { CapabilityBody } from '../messages.ts'
import type { ReconcileContext } from './context.ts'
import type { Observation } from './observe.ts'

/** The report-capability step: published when it changed (a BIOS or firmware change shows up on the next pass). */
export function reportCapability(ctx: ReconcileContext, observation: Observation, lms: CapabilityBody['lms']): void {
  ctx.reporter.capability(capabilityBody(observation, lms, ctx.memory.rpcVersion))
}

function capabilityBody(
  { meDevice, info, capability, trustedRootHashes }: Observation,
  lms: CapabilityBody['lms'],
  rpc: CapabilityBody['rpc'],
): CapabilityBody {
  return {
    capable: capability.capable,
    sku: capability.sku,
    ...(capability.reason !== undefined ? { reason: capability.reason.slice(0, 512) } : {}),
    skuRaw: info?.sku ?? null,
    features: info?.features ?? '',
    amtVersion: info?.amtVersion ?? '',
    buildNumber: info?.buildNumber ?? '',
    controlMode: info?.controlMode ?? 'UNKNOWN',
    dnsSuffix: info?.dnsSuffix ?? '',
    ...(info !== null ? { dnsSuffixOS: info.dnsSuffixOS } : {}),
    ...(trustedRootHashes !== null ? { trustedRootHashes } : {}),
    ...(info !== null && info.uuid !== '' ? { amtUuid: info.uuid } : {}),
    ...(info?.missingFields ? { missingFields: [...info.missingFields] } : {}),
    ras: info?.ras ?? null,
    meiDevice: meDevice,
    lms,
    rpc: rpc === null ? null : { line: rpc.line, version: rpc.version },
  }
}
