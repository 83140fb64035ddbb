import { z } from 'zod'

/**
 * The `grpc` section (docs/grpc-bridge.md): the southbound bridge for EMF's Go agents. Its defaults are written
 * here once; the bridge (manager/grpc/server.ts, auth.ts) applies the same ones to callers that pass no config.
 */
export const GRPC_DEFAULTS = {
  host: '0.0.0.0',
  /** EMF's dm-manager port. */
  port: 50058,
  /** The three requests are a few hundred bytes; anything much larger is refused by grpc-js (RESOURCE_EXHAUSTED). */
  maxReceiveMessageBytes: 64 * 1024,
  /** A graceful stop waits this long for running calls, then cuts them. */
  shutdownTimeoutMs: 5000,
  clockToleranceSec: 30,
} as const

const FilePath = z.string().min(1).max(4096)
const OneOrMany = z.union([z.string().min(1).max(512), z.array(z.string().min(1).max(512)).min(1)])

export const GrpcSection = z.strictObject({
  host: z.string().min(1).max(255).default(GRPC_DEFAULTS.host),
  port: z.int().min(0).max(65535).default(GRPC_DEFAULTS.port),
  tls: z
    .strictObject({ certFile: FilePath, keyFile: FilePath })
    .optional()
    .describe('absent: plaintext behind a TLS-terminating gateway'),
  auth: z
    .strictObject({
      publicKeyFile: FilePath.optional().describe('PEM: SPKI public key or certificate'),
      jwksFile: FilePath.optional().describe('JSON Web Key Set (kid selects the key)'),
      issuer: OneOrMany.optional(),
      audience: OneOrMany.optional(),
      algorithms: z.array(z.string().min(1).max(16)).min(1).optional(),
      clockToleranceSec: z.int().min(0).max(600).default(GRPC_DEFAULTS.clockToleranceSec),
    })
    .refine((auth) => (auth.publicKeyFile === undefined) !== (auth.jwksFile === undefined), {
      message: 'give exactly one of publicKeyFile and jwksFile',
      path: ['publicKeyFile'],
    }),
  maxReceiveMessageBytes: z
    .int()
    .min(1024)
    .max(4 * 1024 * 1024)
    .default(GRPC_DEFAULTS.maxReceiveMessageBytes),
  shutdownTimeoutMs: z.int().min(0).max(120_000).default(GRPC_DEFAULTS.shutdownTimeoutMs),
})

export type GrpcSection = z.infer<typeof GrpcSection>
