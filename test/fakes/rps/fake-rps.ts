import { FaultServer, fieldsOf, notFound, page, validationFailed, type FakeAnswer, type FakeRequest, type Route } from './fault-server.ts'
import { validateCiraConfig, validateDomain, validateProfile } from './validate.ts'

/**
 * A stand-in for RPS's admin REST API (../shared/reference/inventory-and-dmt.md): CIRA configs, profiles and
 * domains in memory, names case-insensitive (RPS stores them as citext). Status codes and bodies as RPS answers:
 * create 201 (400 with express-validator errors, or `{ error, message }` for a duplicate or a missing CIRA config),
 * get 200/404, delete 204/404 (400 while profiles refer to a CIRA config). Answers never contain passwords.
 * Fault switches come from FaultServer (`server.down()`, `server.slowMs`, `server.failNext()`).
 */

type Stored = Record<string, unknown>

const SECRET_FIELDS = ['password', 'amtPassword', 'mebxPassword', 'provisioningCert', 'provisioningCertPassword']
const publicView = (stored: Stored): Stored => Object.fromEntries(Object.entries(stored).filter(([key]) => !SECRET_FIELDS.includes(key)))
const keyOf = (name: string): string => name.toLowerCase()
const duplicate = (message: string): FakeAnswer => ({ status: 400, json: { error: 'Unique key violation', message } })
const constraint = (message: string): FakeAnswer => ({ status: 400, json: { error: 'Foreign key violation', message } })

export class FakeRps {
  readonly server: FaultServer
  readonly ciraConfigs = new Map<string, Stored>()
  readonly profiles = new Map<string, Stored>()
  readonly domains = new Map<string, Stored>()

  private constructor(server: FaultServer) {
    this.server = server
  }

  static async start(): Promise<FakeRps> {
    const holder: { fake?: FakeRps } = {}
    const server = await FaultServer.start(routes(() => holder.fake as FakeRps))
    holder.fake = new FakeRps(server)
    return holder.fake
  }

  get url(): string {
    return this.server.url
  }

  /** The stored profile with its passwords: what a device activating with it would get (null when absent). */
  activationSecretsOf(profileName: string): { amtPassword: string | null; mebxPassword: string | null } | null {
    const stored = this.profiles.get(keyOf(profileName))
    if (!stored) return null
    const text = (value: unknown) => (typeof value === 'string' ? value : null)
    return { amtPassword: text(stored.amtPassword), mebxPassword: text(stored.mebxPassword) }
  }

  profileNames(): string[] {
    return [...this.profiles.values()].map((profile) => String(profile.profileName)).sort()
  }

  close(): Promise<void> {
    return this.server.close()
  }
}

function routes(fake: () => FakeRps): Route[] {
  const admin = '/api/v1/admin'
  return [
    { method: 'GET', pattern: `${admin}/ciraconfigs`, handle: ({ query }) => list(fake().ciraConfigs, query) },
    { method: 'GET', pattern: `${admin}/ciraconfigs/:name`, handle: ({ params }) => get(fake().ciraConfigs, params.name, 'CIRA') },
    { method: 'POST', pattern: `${admin}/ciraconfigs`, handle: (request) => createCiraConfig(fake(), request) },
    { method: 'DELETE', pattern: `${admin}/ciraconfigs/:name`, handle: ({ params }) => deleteCiraConfig(fake(), params.name ?? '') },
    { method: 'GET', pattern: `${admin}/profiles`, handle: ({ query }) => list(fake().profiles, query) },
    { method: 'GET', pattern: `${admin}/profiles/:name`, handle: ({ params }) => get(fake().profiles, params.name, 'AMT') },
    { method: 'POST', pattern: `${admin}/profiles`, handle: (request) => createProfile(fake(), request) },
    { method: 'DELETE', pattern: `${admin}/profiles/:name`, handle: ({ params }) => remove(fake().profiles, params.name, 'AMT') },
    { method: 'GET', pattern: `${admin}/domains`, handle: ({ query }) => list(fake().domains, query) },
    { method: 'GET', pattern: `${admin}/domains/:name`, handle: ({ params }) => get(fake().domains, params.name, 'Domain') },
    { method: 'POST', pattern: `${admin}/domains`, handle: (request) => createDomain(fake(), request) },
    { method: 'PATCH', pattern: `${admin}/domains`, handle: (request) => updateDomain(fake(), request) },
    { method: 'DELETE', pattern: `${admin}/domains/:name`, handle: ({ params }) => remove(fake().domains, params.name, 'Domain') },
  ]
}

function list(store: Map<string, Stored>, query: URLSearchParams): FakeAnswer {
  const items = page([...store.values()], query).map(publicView)
  return { status: 200, json: query.get('$count') === 'true' ? { data: items, totalCount: store.size } : items }
}

function get(store: Map<string, Stored>, name = '', type: string): FakeAnswer {
  const stored = store.get(keyOf(name))
  return stored ? { status: 200, json: publicView(stored) } : notFound(`${type} profile ${name} Not Found`)
}

function remove(store: Map<string, Stored>, name = '', type: string): FakeAnswer {
  return store.delete(keyOf(name)) ? { status: 204 } : notFound(`${type} profile ${name} Not Found`)
}

function createCiraConfig(fake: FakeRps, { body }: FakeRequest): FakeAnswer {
  const fields = fieldsOf(body)
  const errors = validateCiraConfig(fields)
  if (errors.length > 0) return validationFailed(errors)
  const name = String(fields.configName)
  if (fake.ciraConfigs.has(keyOf(name))) return duplicate(`CIRA Config ${name} already exists.`)
  const stored = { ...fields, tenantId: '' }
  fake.ciraConfigs.set(keyOf(name), stored)
  return { status: 201, json: publicView(stored) }
}

function deleteCiraConfig(fake: FakeRps, name: string): FakeAnswer {
  if (!fake.ciraConfigs.has(keyOf(name))) return notFound(`CIRA profile ${name} Not Found`)
  const used = [...fake.profiles.values()].some((profile) => typeof profile.ciraConfigName === 'string' && keyOf(profile.ciraConfigName) === keyOf(name))
  if (used) return constraint(`CIRA Config: ${name} is associated with an AMT profile`)
  fake.ciraConfigs.delete(keyOf(name))
  return { status: 204 }
}

function createProfile(fake: FakeRps, { body }: FakeRequest): FakeAnswer {
  const fields = fieldsOf(body)
  const errors = validateProfile(fields)
  if (errors.length > 0) return validationFailed(errors)
  const name = String(fields.profileName)
  if (fake.profiles.has(keyOf(name))) return duplicate(`AMT profile ${name} already exists`)
  const cira = fields.ciraConfigName
  if (typeof cira === 'string' && cira !== '' && !fake.ciraConfigs.has(keyOf(cira))) return constraint(`Referenced config ${cira} doesn't exist`)
  const stored = { ...fields, tenantId: '', tags: [] }
  fake.profiles.set(keyOf(name), stored)
  return { status: 201, json: publicView(stored) }
}

function createDomain(fake: FakeRps, { body }: FakeRequest): FakeAnswer {
  const fields = fieldsOf(body)
  const errors = validateDomain(fields)
  if (errors.length > 0) return validationFailed(errors)
  const name = String(fields.profileName)
  const suffix = String(fields.domainSuffix).toLowerCase()
  const clash = [...fake.domains.values()].some((domain) => keyOf(String(domain.profileName)) === keyOf(name) || String(domain.domainSuffix).toLowerCase() === suffix)
  if (clash) return duplicate(`Domain ${name} ID or Suffix already exists`)
  const stored = { ...fields, tenantId: '', expirationDate: '2036-01-01T00:00:00.000Z' }
  fake.domains.set(keyOf(name), stored)
  return { status: 201, json: publicView(stored) }
}

function updateDomain(fake: FakeRps, { body }: FakeRequest): FakeAnswer {
  const fields = fieldsOf(body)
  const errors = validateDomain(fields)
  if (errors.length > 0) return validationFailed(errors)
  const name = String(fields.profileName)
  const stored = fake.domains.get(keyOf(name))
  if (!stored) return notFound(`Domain profile ${name} Not Found`)
  const updated = { ...stored, ...fields }
  fake.domains.set(keyOf(name), updated)
  return { status: 200, json: publicView(updated) }
}
