import {
  FaultServer,
  fieldsOf,
  notFound,
  page,
  validationFailed,
  type FakeAnswer,
  type FakeRequest,
  type Route,
} from '../fault-server.ts'
import { duplicate, keyOf, publicView, RecordStore, type Stored } from './records.ts'
import { checkProvisioningCert } from './provisioning-cert.ts'
import { validateCiraConfig, validateDomain, validateProfile, type FieldError } from './validate.ts'

/**
 * A stand-in for RPS's admin REST API (../shared/reference/inventory-and-dmt.md, issue #13): CIRA configs,
 * profiles and domains in memory as RPS keeps them (records.ts: case-insensitive names, a `version` that changes
 * on every write). Status codes and bodies as RPS answers: create 201 (400 with express-validator errors, or
 * `{ error, message }` for a duplicate — "Unique key violation" — or a missing CIRA config), get 200/404, delete
 * 204/404 (400 while profiles refer to a CIRA config), replace (PATCH domains, profiles, CIRA configs) 200, 404, or 409 with the
 * current record when the body's `version` is missing or stale. A profile written without `tlsMode` is stored with
 * `tlsSigningAuthority: null`, whatever was sent. A domain's provisioning certificate (POST and PATCH) is opened
 * and checked as RPS does (provisioning-cert.ts): a failed check is a 400 with RPS's reason; the stored
 * `expirationDate` is the leaf's notAfter. Answers never contain passwords.
 * Fault switches come from FaultServer (`server.down()`, `server.slowMs`, `server.failNext()`).
 */

const constraint = (message: string): FakeAnswer => ({ status: 400, json: { error: 'Foreign key violation', message } })

export class FakeRps {
  readonly server: FaultServer
  #xmin = 1000
  readonly #nextVersion = (): string => String(++this.#xmin)
  readonly ciraConfigs = new RecordStore(this.#nextVersion)
  readonly profiles = new RecordStore(this.#nextVersion)
  readonly domains = new RecordStore(this.#nextVersion)

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
    const stored = this.profiles.get(profileName)
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
    {
      method: 'GET',
      pattern: `${admin}/ciraconfigs/:name`,
      handle: ({ params }) => get(fake().ciraConfigs, params.name, 'CIRA'),
    },
    { method: 'POST', pattern: `${admin}/ciraconfigs`, handle: (request) => createCiraConfig(fake(), request) },
    { method: 'PATCH', pattern: `${admin}/ciraconfigs`, handle: (request) => updateCiraConfig(fake(), request) },
    {
      method: 'DELETE',
      pattern: `${admin}/ciraconfigs/:name`,
      handle: ({ params }) => deleteCiraConfig(fake(), params.name ?? ''),
    },
    { method: 'GET', pattern: `${admin}/profiles`, handle: ({ query }) => list(fake().profiles, query) },
    {
      method: 'GET',
      pattern: `${admin}/profiles/:name`,
      handle: ({ params }) => get(fake().profiles, params.name, 'AMT'),
    },
    { method: 'POST', pattern: `${admin}/profiles`, handle: (request) => createProfile(fake(), request) },
    { method: 'PATCH', pattern: `${admin}/profiles`, handle: (request) => updateProfile(fake(), request) },
    {
      method: 'DELETE',
      pattern: `${admin}/profiles/:name`,
      handle: ({ params }) => remove(fake().profiles, params.name, 'AMT'),
    },
    { method: 'GET', pattern: `${admin}/domains`, handle: ({ query }) => list(fake().domains, query) },
    {
      method: 'GET',
      pattern: `${admin}/domains/:name`,
      handle: ({ params }) => get(fake().domains, params.name, 'Domain'),
    },
    { method: 'POST', pattern: `${admin}/domains`, handle: (request) => createDomain(fake(), request) },
    { method: 'PATCH', pattern: `${admin}/domains`, handle: (request) => updateDomain(fake(), request) },
    {
      method: 'DELETE',
      pattern: `${admin}/domains/:name`,
      handle: ({ params }) => remove(fake().domains, params.name, 'Domain'),
    },
  ]
}

function list(store: RecordStore, query: URLSearchParams): FakeAnswer {
  const items = page(store.values(), query).map(publicView)
  return { status: 200, json: query.get('$count') === 'true' ? { data: items, totalCount: store.size } : items }
}

function get(store: RecordStore, name = '', type: string): FakeAnswer {
  const stored = store.get(name)
  return stored ? { status: 200, json: publicView(stored) } : notFound(`${type} profile ${name} Not Found`)
}

function remove(store: RecordStore, name = '', type: string): FakeAnswer {
  return store.delete(name) ? { status: 204 } : notFound(`${type} profile ${name} Not Found`)
}

function createCiraConfig(fake: FakeRps, { body }: FakeRequest): FakeAnswer {
  const fields = fieldsOf(body)
  const errors = validateCiraConfig(fields)
  if (errors.length > 0) return validationFailed(errors)
  const name = String(fields.configName)
  if (fake.ciraConfigs.has(name)) return duplicate(`CIRA Config ${name} already exists.`)
  const stored = fake.ciraConfigs.insert(name, { ...fields, tenantId: '' })
  return { status: 201, json: publicView(stored) }
}

function updateCiraConfig(fake: FakeRps, { body }: FakeRequest): FakeAnswer {
  const { version, ...sent } = fieldsOf(body)
  const errors = validateCiraConfig(sent)
  if (errors.length > 0) return validationFailed(errors)
  return fake.ciraConfigs.update(String(sent.configName), version, (old) => ({ ...old, ...sent }), 'CIRA profile')
}

function deleteCiraConfig(fake: FakeRps, name: string): FakeAnswer {
  if (!fake.ciraConfigs.has(name)) return notFound(`CIRA profile ${name} Not Found`)
  const used = fake.profiles
    .values()
    .some((profile) => typeof profile.ciraConfigName === 'string' && keyOf(profile.ciraConfigName) === keyOf(name))
  if (used) return constraint(`CIRA Config: ${name} is associated with an AMT profile`)
  fake.ciraConfigs.delete(name)
  return { status: 204 }
}

function createProfile(fake: FakeRps, { body }: FakeRequest): FakeAnswer {
  const fields = fieldsOf(body)
  const errors = validateProfile(fields)
  if (errors.length > 0) return validationFailed(errors)
  const name = String(fields.profileName)
  if (fake.profiles.has(name)) return duplicate(`AMT profile ${name} already exists`)
  const cira = fields.ciraConfigName
  if (typeof cira === 'string' && cira !== '' && !fake.ciraConfigs.has(cira))
    return constraint(`Referenced config ${cira} doesn't exist`)
  const stored = fake.profiles.insert(name, asRpsKeepsProfile({ ...fields, tenantId: '', tags: [] }))
  return { status: 201, json: publicView(stored) }
}

function createDomain(fake: FakeRps, { body }: FakeRequest): FakeAnswer {
  const fields = fieldsOf(body)
  const errors = validateDomain(fields)
  if (errors.length > 0) return validationFailed(errors)
  const verdict = checkProvisioningCert(
    String(fields.provisioningCert),
    String(fields.provisioningCertPassword),
    String(fields.domainSuffix),
  )
  if (!verdict.ok) return validationFailed([certError(fields, verdict.reason)])
  const name = String(fields.profileName)
  const suffix = String(fields.domainSuffix).toLowerCase()
  const clash = fake.domains
    .values()
    .some(
      (domain) =>
        keyOf(String(domain.profileName)) === keyOf(name) || String(domain.domainSuffix).toLowerCase() === suffix,
    )
  if (clash) return duplicate(`Domain ${name} ID or Suffix already exists`)
  const stored = fake.domains.insert(name, { ...fields, tenantId: '', expirationDate: verdict.expirationDate })
  return { status: 201, json: publicView(stored) }
}

/** RPS edits a domain from the old row and the fields sent, but takes `version` only from the body. */
function updateDomain(fake: FakeRps, { body }: FakeRequest): FakeAnswer {
  const fields = fieldsOf(body)
  const errors = validateDomain(fields)
  if (errors.length > 0) return validationFailed(errors)
  const verdict = checkProvisioningCert(
    String(fields.provisioningCert),
    String(fields.provisioningCertPassword),
    String(fields.domainSuffix),
  )
  if (!verdict.ok) return validationFailed([certError(fields, verdict.reason)])
  const { version, ...sent } = fields
  return fake.domains.update(
    String(fields.profileName),
    version,
    (old) => ({ ...old, ...sent, expirationDate: verdict.expirationDate }),
    'Domain profile',
  )
}

/** A failed certificate check: express-validator's error for the custom validator of `provisioningCert`. */
const certError = (fields: Record<string, unknown>, reason: string): FieldError => ({
  path: 'provisioningCert',
  msg: reason,
  value: fields.provisioningCert,
})

function updateProfile(fake: FakeRps, { body }: FakeRequest): FakeAnswer {
  const { version, ...sent } = fieldsOf(body)
  const name = String(sent.profileName)
  const old = fake.profiles.get(name)
  const errors = old ? validateProfile({ ...old, ...sent }) : []
  if (errors.length > 0) return validationFailed(errors)
  const cira = sent.ciraConfigName
  if (typeof cira === 'string' && cira !== '' && !fake.ciraConfigs.has(cira))
    return constraint(`Referenced config ${cira} doesn't exist`)
  return fake.profiles.update(
    name,
    version,
    (current) => asRpsKeepsProfile({ ...current, ...sent, tlsMode: sent.tlsMode ?? null }),
    'AMT profile',
  )
}

/** Without a `tlsMode`, RPS stores no TLS signing authority (null), whatever was sent. */
function asRpsKeepsProfile(fields: Stored): Stored {
  const tlsMode = fields.tlsMode ?? null
  return { ...fields, tlsMode, tlsSigningAuthority: tlsMode === null ? null : (fields.tlsSigningAuthority ?? null) }
}
