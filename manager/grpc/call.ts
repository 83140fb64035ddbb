import { performance } from 'node:perf_hooks'
import type { handleUnaryCall, ServerUnaryCall } from '@grpc/grpc-js'
import type { z } from 'zod'
import type { Logger } from '../../lib/log.ts'
import { authenticate, type Caller, type TokenVerifier } from './auth.ts'
import type { RpcName } from './definition.ts'
import { asGrpcError, serviceErrorOf, type BridgeStatus } from './errors.ts'
import type { GrpcMetrics } from './metrics.ts'
import { parseRequest } from './requests.ts'

export interface CallDeps {
  verifier: TokenVerifier
  log: Logger
  metrics: GrpcMetrics
}

/** Log level of each refusal: the agent's "nothing to do" is routine, a bad caller is worth a warning. */
const LEVEL: Readonly<Record<BridgeStatus, 'debug' | 'warn' | 'error'>> = {
  FAILED_PRECONDITION: 'debug',
  NOT_FOUND: 'warn',
  INVALID_ARGUMENT: 'warn',
  UNAUTHENTICATED: 'warn',
  PERMISSION_DENIED: 'warn',
  INTERNAL: 'error',
}

/**
 * One unary RPC as named steps: authenticate (JWT → tenant) → parse the request → handle → answer. Every
 * outcome is answered exactly once, counted by status code and logged with the caller's tenant and host (never
 * the token nor a password). Anything but a GrpcError becomes INTERNAL; the process keeps serving.
 */
export function unaryCall<Req, Res>(
  rpc: RpcName,
  schema: z.ZodType<Req>,
  deps: CallDeps,
  handle: (caller: Caller, request: Req) => Promise<Res>,
): handleUnaryCall<unknown, Res> {
  return (call: ServerUnaryCall<unknown, Res>, callback) => {
    const started = performance.now()
    const context: { tenantId?: string; hostId?: string } = {}
    const run = async (): Promise<Res> => {
      const caller = await authenticate(call.metadata, deps.verifier)
      context.tenantId = caller.tenantId
      const parsed = parseRequest(schema, call.request)
      if (!parsed.ok) throw parsed.error
      const hostId = (parsed.request as { host_id?: unknown }).host_id
      if (typeof hostId === 'string') context.hostId = hostId
      return handle(caller, parsed.request)
    }
    run().then(
      (response) => {
        deps.metrics.requests.inc({ rpc, code: 'OK' })
        deps.log.debug({ rpc, ...context, code: 'OK', ms: elapsed(started) }, 'gRPC call answered')
        callback(null, response)
      },
      (err: unknown) => {
        const refusal = asGrpcError(err)
        deps.metrics.requests.inc({ rpc, code: refusal.status })
        const fields = {
          rpc,
          ...context,
          code: refusal.status,
          reason: refusal.message,
          ms: elapsed(started),
          peer: call.getPeer(),
        }
        if (refusal.status === 'INTERNAL')
          deps.log.error({ ...fields, err: refusal.cause ?? refusal }, 'gRPC call failed')
        else deps.log[LEVEL[refusal.status]](fields, 'gRPC call refused')
        callback(serviceErrorOf(refusal), null)
      },
    )
  }
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 10) / 10
