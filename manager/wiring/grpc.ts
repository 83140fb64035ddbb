import type { Registry } from 'prom-client'
import type { Logger } from '../../lib/log.ts'
import type { GrpcSettings } from '../config/config.ts'
import type { ActivationProfiles } from '../core/publish/activation-profile.ts'
import type { AmtPasswordSource } from '../ports/provisioning.ts'
import type { ManagerCore } from '../core/manager-core.ts'
import { createGrpcBridge, type GrpcBridge } from '../grpc/server.ts'

export interface GrpcWiring {
  core: ManagerCore
  secrets: AmtPasswordSource
  profiles: ActivationProfiles
  log: Logger
  metrics: Registry
}

/** The southbound gRPC bridge (docs/grpc-bridge.md) from the `grpc` section, started (keys loaded, port bound). */
export async function startGrpcBridge(settings: GrpcSettings, deps: GrpcWiring): Promise<GrpcBridge> {
  const { publicKeyFile, jwksFile, issuer, audience, algorithms, clockToleranceSec } = settings.auth
  const bridge = createGrpcBridge(deps, {
    host: settings.host,
    port: settings.port,
    ...(settings.tls === undefined ? {} : { tls: settings.tls }),
    auth: {
      ...(publicKeyFile === undefined ? {} : { publicKeyFile }),
      ...(jwksFile === undefined ? {} : { jwksFile }),
      ...(issuer === undefined ? {} : { issuer: typeof issuer === 'string' ? issuer : [...issuer] }),
      ...(audience === undefined ? {} : { audience: typeof audience === 'string' ? audience : [...audience] }),
      ...(algorithms === undefined ? {} : { algorithms: [...algorithms] }),
      clockToleranceSec,
    },
    maxReceiveMessageBytes: settings.maxReceiveMessageBytes,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
  })
  await bridge.start()
  return bridge
}
