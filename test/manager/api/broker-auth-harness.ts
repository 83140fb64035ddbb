import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { Writable } from 'node:stream'
import type { ExecutionContext } from 'ava'
import type { CredentialEntry } from '../../../broker/auth/credentials.ts'
import { createLogger } from '../../../lib/log.ts'
import { SecretValue } from '../../../lib/secret-value.ts'
import { createBrokerAuthDecisions } from '../../../manager/api/broker-auth/decisions.ts'
import { createBrokerCredentials } from '../../../manager/bus/broker-credentials.ts'
import { seed, startApi, type ApiHarness } from './api-harness.ts'

export interface BrokerAuthOptions {
  allowedSources?: string[]
  integrators?: CredentialEntry[]
  manager?: { username: string; password: string }
}

export interface BrokerAuthHarness {
  api: ApiHarness
  /** The shared secret the endpoint expects. */
  secret: string
  /** Every log line of the API and the decisions so far. */
  logs(): string
  /** Registers a host through the API (as an operator would) and returns its MQTT login. */
  register(tenantId: string, hostId: string): Promise<{ username: string; password: string }>
  /** POSTs to /broker-auth/v1<path> with the secret as a Bearer token unless `headers` says otherwise. */
  call(path: string, body: unknown, headers?: Record<string, string>): ReturnType<ApiHarness['request']>
}

/** The real API on loopback with the broker-auth endpoints over its Inventory; tenants `acme` and `other`. */
export async function startBrokerAuthApi(
  t: ExecutionContext,
  options: BrokerAuthOptions = {},
): Promise<BrokerAuthHarness> {
  const secret = randomBytes(32).toString('hex')
  const chunks: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'))
      done()
    },
  })
  const log = createLogger({ name: 'test', level: 'debug', destination })
  const api = await startApi(t, {
    logDestination: destination,
    brokerAuth: async (inventory) => {
      const credentials = await createBrokerCredentials({
        inventory,
        integrators: options.integrators ?? [],
        ...(options.manager ? { manager: options.manager } : {}),
      })
      return {
        decisions: createBrokerAuthDecisions({ credentials, log, maxTopicLevels: 16 }),
        secret: new SecretValue(secret),
        allowedSources: options.allowedSources ?? [],
      }
    },
  })
  await seed(api.inventory, { acme: [], other: [] })
  const operator = await api.token('operator', '*')
  return {
    api,
    secret,
    logs: () => chunks.join(''),
    async register(tenantId, hostId) {
      const answer = await api.request('POST', `/api/v1/tenants/${tenantId}/hosts`, {
        token: operator,
        body: { hostId },
      })
      if (answer.status !== 201) throw new Error(`registration of ${hostId}: ${answer.status} ${answer.text}`)
      return (answer.json as unknown as { mqtt: { username: string; password: string } }).mqtt
    },
    call: (path, body, headers = { authorization: `Bearer ${secret}` }) =>
      api.request('POST', `/broker-auth/v1${path}`, { body, headers }),
  }
}

/** A fixture of test/fixtures/broker-auth/ (the documented request and answer shapes). */
export async function brokerFixture<T>(name: 'emqx' | 'vernemq'): Promise<T> {
  return JSON.parse(await readFile(new URL(`../../fixtures/broker-auth/${name}.json`, import.meta.url), 'utf8')) as T
}

/** Fills EMQX's `${name}` placeholders in a body template, as EMQX does before it sends the request. */
export function fillTemplate(template: Record<string, string>, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) => [
      key,
      value.replace(/\$\{(\w+)\}/g, (_match, name: string) => values[name] ?? ''),
    ]),
  )
}
