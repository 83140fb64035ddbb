import type { FastifyPluginAsync } from 'fastify'
import { emqxBrokerAuthRoutes } from '../routes/broker-auth-emqx.ts'
import { vernemqBrokerAuthRoutes } from '../routes/broker-auth-vernemq.ts'
import type { BrokerAuthDecisions } from './decisions.ts'
import { createEndpointGuard, type EndpointGuardOptions } from './endpoint-guard.ts'

/** Where the broker-auth routes live: `/broker-auth/v1/emqx/...`, `/broker-auth/v1/vernemq/...`. */
export const BROKER_AUTH_PREFIX = '/broker-auth/v1'

/** What the API server needs to serve the endpoints (config `api.brokerAuth`, built by manager/wiring). */
export interface BrokerAuthEndpoint extends EndpointGuardOptions {
  decisions: BrokerAuthDecisions
}

/**
 * The HTTP authentication + authorization endpoints for external brokers, one route module per broker shape, all
 * behind the endpoint guard (allowed sources, shared secret). Not API-token routes: they are absent from the
 * OpenAPI document (docs/external-brokers.md is their contract).
 */
export function brokerAuthPlugin(endpoint: BrokerAuthEndpoint): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', createEndpointGuard(endpoint))
    await app.register(emqxBrokerAuthRoutes(endpoint.decisions), { prefix: '/emqx' })
    await app.register(vernemqBrokerAuthRoutes(endpoint.decisions), { prefix: '/vernemq' })
  }
}
