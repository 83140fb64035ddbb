import { z } from 'zod'
import { ID_PATTERN, ID_RULE } from '../../schemas/ids.ts'
import { invalidArgument, type GrpcError } from './errors.ts'

/**
 * The three request messages as the bridge accepts them: decoded by proto-loader (LOADER_OPTIONS: enum names,
 * an unknown enum NUMBER stays a number), then parsed here. Anything else → INVALID_ARGUMENT with the first
 * problem. Limits: host_id 1-64 characters of the Inventory id rule (it becomes an MQTT topic segment),
 * message at most 1 KiB (UTF-8), feature at most 64 characters.
 */
const HOST_ID_MAX = 64
const MESSAGE_MAX_BYTES = 1024
const FEATURE_MAX = 64

/** Wire enums (reference/southbound-grpc.md); only these names are accepted. */
const AMT_STATUS = ['UNKNOWN', 'ENABLED', 'DISABLED'] as const
const ACTIVATION_STATUS = ['UNSPECIFIED', 'ACTIVATING', 'ACTIVATED', 'ACTIVATION_FAILED'] as const
export type OperationType = 'ACTIVATE' | 'DEACTIVATE'

const wireEnum = <T extends readonly [string, ...string[]]>(field: string, enumName: string, values: T) =>
  z.enum(values, { error: (issue) => `${field} ${describe(issue.input)} is not a known ${enumName} value` })

const describe = (value: unknown): string =>
  typeof value === 'number' ? String(value) : (JSON.stringify(value)?.slice(0, 32) ?? typeof value)

const hostId = z
  .string({ error: 'host_id must be a string' })
  .min(1, { error: 'host_id is required' })
  .max(HOST_ID_MAX, { error: `host_id must be at most ${HOST_ID_MAX} characters` })
  .regex(ID_PATTERN, { error: `host_id must be ${ID_RULE}` })

export const AmtStatusRequest = z.object({
  host_id: hostId,
  status: wireEnum('status', 'AMTStatus', AMT_STATUS),
  feature: z.string().max(FEATURE_MAX, { error: `feature must be at most ${FEATURE_MAX} characters` }),
})

export const ActivationRequest = z.object({ host_id: hostId })

export const ActivationResultRequest = z.object({
  host_id: hostId,
  activation_status: wireEnum('activation_status', 'ActivationStatus', ACTIVATION_STATUS),
  message: z.string().refine((text) => Buffer.byteLength(text, 'utf8') <= MESSAGE_MAX_BYTES, {
    error: `message must be at most ${MESSAGE_MAX_BYTES} bytes`,
  }),
})

export type AmtStatusRequest = z.infer<typeof AmtStatusRequest>
export type ActivationRequest = z.infer<typeof ActivationRequest>
export type ActivationResultRequest = z.infer<typeof ActivationResultRequest>

export interface ActivationDetailsResponse {
  host_id: string
  operation: OperationType
  profile_name: string
  action_password: string
}

/** A request proto-loader could not decode (see safe-service.ts). */
export class UndecodableRequest {
  constructor(readonly reason: string) {}
}

export type Parsed<T> = { ok: true; request: T } | { ok: false; error: GrpcError }

/** Parses a decoded request; the first problem becomes an INVALID_ARGUMENT. */
export function parseRequest<T>(schema: z.ZodType<T>, decoded: unknown): Parsed<T> {
  if (decoded instanceof UndecodableRequest)
    return { ok: false, error: invalidArgument(`the request could not be decoded: ${decoded.reason}`) }
  const result = schema.safeParse(decoded)
  if (result.success) return { ok: true, request: result.data }
  return { ok: false, error: invalidArgument(result.error.issues[0]?.message ?? 'invalid request') }
}
