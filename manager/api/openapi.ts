import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'

/** The OpenAPI document of the API, generated from the zod route schemas (docs/openapi.json is committed). */

const API_DOC_VERSION = '1.0.0'

const DESCRIPTION = `Northbound API of the AMT manager: tenants, hosts, desired AMT state, audit events, API tokens.
Every /api/v1 route needs \`Authorization: Bearer <token>\` (the web console's pages send their session cookie
instead, and \`x-csrf-token\` on state-changing calls); /healthz, /readyz, /metrics, /openapi.json and /docs do not.
Failures answer the Error schema with a stable \`code\` (catalogue: docs/api.md).`

export function swaggerOptions(): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'AMT manager API', version: API_DOC_VERSION, description: DESCRIPTION },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'an API token `amt_<id>_<secret>` carrying a role and a tenant scope',
          },
        },
      },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: 'tenants', description: 'tenants (created by global admins)' },
        { name: 'hosts', description: 'hosts: register, list, get, delete, audit events' },
        { name: 'amt', description: "desired AMT state, single and bulk; the tenant's ACM domain and RPS objects" },
        { name: 'power', description: 'power actions and power state through MPS (hosts with AMT PROVISIONED)' },
        { name: 'tokens', description: 'API tokens (admins)' },
        { name: 'operations', description: 'probes and metrics (unauthenticated)' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/**
 * Drops component schemas nothing refers to (the zod transform emits an input and an output variant of every
 * schema with a `.meta({ id })` in zod's registry; only the used ones belong in the document).
 */
export function pruneComponents<T extends object>(document: T): T {
  const copy = JSON.parse(JSON.stringify(document)) as { components?: { schemas?: Record<string, Json> } } & Record<
    string,
    Json
  >
  const schemas = copy.components?.schemas
  if (schemas === undefined) return copy as T
  const { components, ...rest } = copy
  const used = new Set<string>()
  const pending: Json[] = [rest]
  while (pending.length > 0) {
    const node = pending.pop()
    if (Array.isArray(node)) pending.push(...node)
    else if (node !== null && typeof node === 'object') {
      const ref = node.$ref
      if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
        const name = ref.slice('#/components/schemas/'.length)
        if (!used.has(name) && schemas[name] !== undefined) pending.push(schemas[name])
        used.add(name)
      }
      pending.push(...Object.values(node))
    }
  }
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name]
  return { ...rest, components } as T
}
