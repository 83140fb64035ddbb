import type { ServiceDefinition } from '@grpc/grpc-js'
import { UndecodableRequest } from './requests.ts'

/**
 * The service definition with request decoders that never throw: bytes protobuf cannot decode become an
 * UndecodableRequest, which the call wrapper answers with INVALID_ARGUMENT (grpc-js alone would answer
 * INTERNAL, which the Go agent reads as "retry").
 */
export function withSafeDecoding(service: ServiceDefinition): ServiceDefinition {
  const safe: Record<string, ServiceDefinition[string]> = {}
  for (const [name, method] of Object.entries(service)) {
    safe[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return method.requestDeserialize(bytes)
        } catch (err) {
          return new UndecodableRequest(err instanceof Error ? err.message.slice(0, 120) : 'malformed protobuf')
        }
      },
    }
  }
  return safe
}
