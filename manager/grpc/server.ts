import { readFile } from 'node:fs/promises'
import { Server, ServerCredentials, type UntypedServiceImplementation } from '@grpc/grpc-js'
import { ReflectionService } from '@grpc/reflection'
import { HealthImplementation } from 'grpc-health-check'
import type { Registry } from 'prom-client'
import type { Logger } from '../../lib/log.ts'
import { GRPC_DEFAULTS } from '../config/grpc.ts'
import { TENANT_PROFILES, type ActivationProfiles } from '../core/publish/activation-profile.ts'
import type { AmtPasswordSource } from '../ports/provisioning.ts'
import { createJwtVerifier, type JwtAuthOptions, type TokenVerifier } from './auth.ts'
import { unaryCall, type CallDeps } from './call.ts'
import { deviceManagementService, loadDmManagerDefinition, SERVICE_NAME } from './definition.ts'
import { reportActivationResults } from './handlers/report-activation-results.ts'
import { reportAmtStatus } from './handlers/report-amt-status.ts'
import { retrieveActivationDetails } from './handlers/retrieve-activation-details.ts'
import type { BridgeContext } from './handlers/context.ts'
import { createGrpcMetrics } from './metrics.ts'
import { keepRepeatedIdentityMetadata } from './repeated-metadata.ts'
import { ActivationRequest, ActivationResultRequest, AmtStatusRequest } from './requests.ts'
import { withSafeDecoding } from './safe-service.ts'

/** Agents make one call every few minutes at most; an idle connection costs a descriptor. */
const MAX_CONNECTION_IDLE_MS = 5 * 60_000

/** Config `grpc` (manager/config/grpc.ts), which holds the defaults (GRPC_DEFAULTS) of what is left out. */
export interface GrpcBridgeOptions {
  host?: string
  /** 0 picks a free one. */
  port?: number
  /** PEM files; absent: plaintext (behind a TLS-terminating gateway). */
  tls?: { certFile: string; keyFile: string }
  /** JWT verification: a key source (+ issuer/audience), or a ready verifier. */
  auth: JwtAuthOptions | { verifier: TokenVerifier }
  /** Largest accepted request. */
  maxReceiveMessageBytes?: number
  /** Graceful stop waits this long for running calls, then cuts them. */
  shutdownTimeoutMs?: number
}

export interface GrpcBridgeDeps {
  /** The manager core (getHost and record are used). */
  core: BridgeContext['core']
  /** The same password source the core answers MQTT secret/req with. */
  secrets: AmtPasswordSource
  /** The profile names `desired` carries too (one decision for both transports); default: `<tenant>_ccm|_acm`. */
  profiles?: Pick<ActivationProfiles, 'resolve'>
  log: Logger
  /** The manager's Prometheus registry; `amt_manager_grpc_requests_total` is added to it. */
  metrics?: Registry
}

export interface GrpcBridge {
  /** Loads keys, binds, serves DeviceManagement + reflection + health (SERVING). Resolves with the bound port. */
  start(): Promise<{ port: number }>
  /** Health NOT_SERVING, then a graceful shutdown bounded by shutdownTimeoutMs. Idempotent; start() may follow. */
  stop(): Promise<void>
  /** The bound port once started, else null. */
  readonly port: number | null
}

/**
 * The EMF southbound gRPC API (device_management.DeviceManagement) over the manager core, for Go agents that
 * cannot change. Nothing happens until start().
 */
export function createGrpcBridge(deps: GrpcBridgeDeps, options: GrpcBridgeOptions): GrpcBridge {
  const log = deps.log.child({ module: 'grpc' })
  const metrics = createGrpcMetrics(deps.metrics)
  const health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE_NAME]: 'NOT_SERVING' })
  let server: Server | null = null
  let port: number | null = null
  let stopping: Promise<void> | null = null

  const start = async (): Promise<{ port: number }> => {
    if (server !== null) throw new Error('the gRPC bridge is already started')
    const verifier = 'verifier' in options.auth ? options.auth.verifier : await createJwtVerifier(options.auth)
    const credentials = await credentialsOf(options.tls)
    const definition = loadDmManagerDefinition()
    const running = new Server({
      'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? GRPC_DEFAULTS.maxReceiveMessageBytes,
      // An HTTP/2 connection without a call for this long is closed (GOAWAY); grpc-js' default is never.
      'grpc.max_connection_idle_ms': MAX_CONNECTION_IDLE_MS,
    })
    running.addService(
      withSafeDecoding(deviceManagementService(definition)),
      implementation(
        { core: deps.core, secrets: deps.secrets, profiles: deps.profiles ?? TENANT_PROFILES, log },
        { verifier, log, metrics },
      ),
    )
    new ReflectionService(definition).addToServer(running)
    health.addToServer(running)
    const host = options.host ?? GRPC_DEFAULTS.host
    const address = `${host.includes(':') ? `[${host}]` : host}:${options.port ?? GRPC_DEFAULTS.port}`
    let bound: number
    try {
      bound = await new Promise<number>((resolve, reject) =>
        running.bindAsync(address, credentials, (err, at) => (err ? reject(err) : resolve(at))),
      )
      keepRepeatedIdentityMetadata(running)
    } catch (err) {
      running.forceShutdown()
      throw err
    }
    server = running
    port = bound
    health.setStatus('', 'SERVING')
    health.setStatus(SERVICE_NAME, 'SERVING')
    log.info({ host, port, tls: options.tls !== undefined }, 'gRPC bridge listening')
    return { port }
  }

  const stop = (): Promise<void> => {
    const running = server
    if (running === null) return stopping ?? Promise.resolve()
    server = null
    stopping = (async () => {
      health.setStatus('', 'NOT_SERVING')
      health.setStatus(SERVICE_NAME, 'NOT_SERVING')
      await shutdown(running, options.shutdownTimeoutMs ?? GRPC_DEFAULTS.shutdownTimeoutMs)
      port = null
      log.info('gRPC bridge stopped')
    })()
    return stopping
  }

  return {
    start,
    stop,
    get port() {
      return port
    },
  }
}

function implementation(ctx: BridgeContext, deps: CallDeps): UntypedServiceImplementation {
  return {
    ReportAMTStatus: unaryCall('ReportAMTStatus', AmtStatusRequest, deps, (caller, request) =>
      reportAmtStatus(ctx, caller, request),
    ),
    RetrieveActivationDetails: unaryCall('RetrieveActivationDetails', ActivationRequest, deps, (caller, request) =>
      retrieveActivationDetails(ctx, caller, request),
    ),
    ReportActivationResults: unaryCall('ReportActivationResults', ActivationResultRequest, deps, (caller, request) =>
      reportActivationResults(ctx, caller, request),
    ),
  }
}

async function credentialsOf(tls: GrpcBridgeOptions['tls']): Promise<ServerCredentials> {
  if (tls === undefined) return ServerCredentials.createInsecure()
  const [cert, key] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile)])
  return ServerCredentials.createSsl(null, [{ cert_chain: cert, private_key: key }], false)
}

async function shutdown(server: Server, timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown()
      resolve()
    }, timeoutMs)
    server.tryShutdown(() => {
      clearTimeout(timer)
      resolve()
    })
  })
}
