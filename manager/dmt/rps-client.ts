import { z } from 'zod'
import { parseAnswer } from './errors.ts'
import type { HttpService } from './http-service.ts'
import type { Replaced, RpsPort } from './ports.ts'
import {
  CiraConfigRecord,
  DomainRecord,
  ProfileRecord,
  type CiraConfigInput,
  type DomainInput,
  type ProfileInput,
  type RpsVersion,
} from './rps-types.ts'

const ADMIN = '/api/v1/admin'
/** RPS pages lists ($top default 25); we ask for this many per page. */
const PAGE = 100

const seg = (name: string): string => encodeURIComponent(name)

/** The RPS REST adapter of RpsPort (paths and JSON as in ../shared/reference/inventory-and-dmt.md). */
export class RpsClient implements RpsPort {
  readonly #http: HttpService

  constructor(http: HttpService) {
    this.#http = http
  }

  getCiraConfig(name: string) {
    return this.#get(`${ADMIN}/ciraconfigs/${seg(name)}`, CiraConfigRecord)
  }

  listCiraConfigs() {
    return this.#list(`${ADMIN}/ciraconfigs`, CiraConfigRecord)
  }

  createCiraConfig(config: CiraConfigInput) {
    return this.#create(`${ADMIN}/ciraconfigs`, config, CiraConfigRecord)
  }

  updateCiraConfig(config: CiraConfigInput, version: RpsVersion | null | undefined) {
    return this.#replace(`${ADMIN}/ciraconfigs`, config, version, CiraConfigRecord)
  }

  deleteCiraConfig(name: string) {
    return this.#delete(`${ADMIN}/ciraconfigs/${seg(name)}`)
  }

  getProfile(name: string) {
    return this.#get(`${ADMIN}/profiles/${seg(name)}`, ProfileRecord)
  }

  listProfiles() {
    return this.#list(`${ADMIN}/profiles`, ProfileRecord)
  }

  createProfile(profile: ProfileInput) {
    return this.#create(`${ADMIN}/profiles`, profile, ProfileRecord)
  }

  updateProfile(profile: ProfileInput, version: RpsVersion | null | undefined) {
    return this.#replace(`${ADMIN}/profiles`, profile, version, ProfileRecord)
  }

  deleteProfile(name: string) {
    return this.#delete(`${ADMIN}/profiles/${seg(name)}`)
  }

  getDomain(name: string) {
    return this.#get(`${ADMIN}/domains/${seg(name)}`, DomainRecord)
  }

  listDomains() {
    return this.#list(`${ADMIN}/domains`, DomainRecord)
  }

  createDomain(domain: DomainInput) {
    return this.#create(`${ADMIN}/domains`, domain, DomainRecord)
  }

  updateDomain(domain: DomainInput, version: RpsVersion | null | undefined) {
    return this.#replace(`${ADMIN}/domains`, domain, version, DomainRecord)
  }

  deleteDomain(name: string) {
    return this.#delete(`${ADMIN}/domains/${seg(name)}`)
  }

  async #get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S> | null> {
    const { status, body } = await this.#http.call('GET', path, { ok: [200, 404] })
    return status === 404 ? null : parse(schema, body, `GET ${path}`)
  }

  async #list<S extends z.ZodType>(path: string, schema: S): Promise<Array<z.infer<S>>> {
    const all: Array<z.infer<S>> = []
    for (let skip = 0; ; skip += PAGE) {
      const page = `${path}?$top=${PAGE}&$skip=${skip}`
      const { body } = await this.#http.call('GET', page, { ok: [200] })
      // RPS answers an array, or { data, totalCount } when $count=true was asked for.
      const items = parse(
        z.union([z.array(schema), z.object({ data: z.array(schema) }).transform((paged) => paged.data)]),
        body,
        `GET ${page}`,
      )
      all.push(...items)
      if (items.length < PAGE) return all
    }
  }

  async #create<S extends z.ZodType>(path: string, input: object, schema: S): Promise<z.infer<S>> {
    const { body } = await this.#http.call('POST', path, { body: input, ok: [201] })
    return parse(schema, body, `POST ${path}`)
  }

  /** PATCH with the record's version: 200 → updated; 409 → RPS's current record (its body). */
  async #replace<S extends z.ZodType>(
    path: string,
    input: object,
    version: RpsVersion | null | undefined,
    schema: S,
  ): Promise<Replaced<z.infer<S>>> {
    const body = version === null || version === undefined ? input : { ...input, version }
    const answer = await this.#http.call('PATCH', path, { body, ok: [200, 409] })
    const record = parse(schema, answer.body, `PATCH ${path}`)
    return answer.status === 409 ? { conflict: record } : { updated: record }
  }

  async #delete(path: string): Promise<boolean> {
    const { status } = await this.#http.call('DELETE', path, { ok: [204, 404], read: 'none' })
    return status === 204
  }
}

const parse = <S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> =>
  parseAnswer('RPS', schema, body, what)
