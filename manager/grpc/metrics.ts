import { Counter, type Registry } from 'prom-client'

/** gRPC bridge calls by RPC and status code, on the manager's registry (manager/metrics/metrics.ts) when given. */
export interface GrpcMetrics {
  requests: Counter<'rpc' | 'code'>
}

export function createGrpcMetrics(registry?: Registry): GrpcMetrics {
  return {
    requests: new Counter({
      name: 'amt_manager_grpc_requests_total',
      help: 'gRPC bridge (DeviceManagement) calls, by RPC and status code',
      labelNames: ['rpc', 'code'] as const,
      registers: registry ? [registry] : [],
    }),
  }
}
