import { z } from 'zod'
import { ErrorClass } from '../enums.ts'

/** An rpc failure as the agent saw it: exit code, its name from rpc's chart, rpc's own message. */
export const RpcError = z.strictObject({
  code: z
    .int()
    .min(0)
    .max(255)
    .nullable()
    .describe('rpc exit code (0-255); null when rpc did not exit by itself (timeout, spawn failure)'),
  name: z.string().max(64).describe('name of the exit code, e.g. LMSConnectionFailed'),
  message: z.string().max(1024),
  class: ErrorClass,
})
export type RpcError = z.infer<typeof RpcError>
