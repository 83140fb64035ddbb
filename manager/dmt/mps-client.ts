import { z } from 'zod'
import { parseAnswer, unavailable } from './errors.ts'
import type { HttpService } from './http-service.ts'
import { OTHER_TENANT, type MpsDevice, type MpsDeviceInput, type MpsPort, type PowerActionAnswer } from './ports.ts'

const API = '/api/v1'

const Device = z.looseObject({
  guid: z.string(),
  hostname: z.string().nullish(),
  friendlyName: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  mpsusername: z.string().nullish(),
  tenantId: z.string().nullish(),
  dnsSuffix: z.string().nullish(),
  connectionStatus: z.boolean().nullish(),
})

const PowerState = z.looseObject({ powerstate: z.number().int() })
const PowerAction = z.looseObject({
  Body: z.looseObject({ ReturnValue: z.number().int(), ReturnValueStr: z.string().nullish() }),
})

const seg = (guid: string): string => encodeURIComponent(guid)

/** The MPS REST adapter of MpsPort (paths and JSON as in ../shared/reference/inventory-and-dmt.md). */
export class MpsClient implements MpsPort {
  readonly #http: HttpService

  constructor(http: HttpService) {
    this.#http = http
  }

  async getCiraCertificate(): Promise<string> {
    const { body } = await this.#http.call('GET', `${API}/ciracert`, { ok: [200], read: 'text' })
    const pem = pemBody(String(body))
    if (pem === '') throw unavailable('MPS', `GET ${API}/ciracert: the answer is not a PEM certificate`)
    return pem
  }

  async getDevice(guid: string): Promise<MpsDevice | null | typeof OTHER_TENANT> {
    const path = `${API}/devices/${seg(guid)}`
    const { status, body } = await this.#http.call('GET', path, { ok: [200, 204, 404] })
    if (status === 404) return null
    if (status === 204) return OTHER_TENANT
    return deviceOf(parse(Device, body, `GET ${path}`))
  }

  async registerDevice(device: MpsDeviceInput): Promise<MpsDevice> {
    const path = `${API}/devices`
    const { body } = await this.#http.call('POST', path, { body: device, ok: [200, 201] })
    return deviceOf(parse(Device, body, `POST ${path}`))
  }

  async deleteDevice(guid: string): Promise<void> {
    // Without the flag MPS keeps the AMT, MEBx and MPS passwords RPS wrote to Vault at activation (issue #13 fact 8).
    const path = `${API}/devices/${seg(guid)}?isSecretToBeDeleted=true`
    const { status } = await this.#http.call('DELETE', path, { ok: [204, 404], read: 'none' })
    // With the flag MPS answers 204 even for a device it does not hold; 404 only when Vault refused the deletion.
    if (status === 404)
      throw unavailable('MPS', `DELETE ${path}: MPS could not delete the device's secrets from Vault (404)`, { status })
  }

  async getPowerState(guid: string): Promise<number> {
    const path = `${API}/amt/power/state/${seg(guid)}`
    const { body } = await this.#http.call('GET', path, { ok: [200] })
    return parse(PowerState, body, `GET ${path}`).powerstate
  }

  async powerAction(guid: string, action: number): Promise<PowerActionAnswer> {
    const path = `${API}/amt/power/action/${seg(guid)}`
    const { body } = await this.#http.call('POST', path, {
      body: { action, useSOL: false },
      ok: [200],
      retry: 'undelivered',
    })
    const { Body } = parse(PowerAction, body, `POST ${path}`)
    return { returnValue: Body.ReturnValue, returnValueStr: Body.ReturnValueStr ?? '' }
  }

  async deactivate(guid: string): Promise<void> {
    await this.#http.call('DELETE', `${API}/amt/deactivate/${seg(guid)}`, {
      ok: [200],
      read: 'none',
      retry: 'undelivered',
    })
  }
}

/** PEM text → the base64 body of its first certificate, without header, footer and whitespace. */
export function pemBody(pem: string): string {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem)
  const body = (match?.[1] ?? '').replace(/\s+/g, '')
  return /^[A-Za-z0-9+/=]+$/.test(body) ? body : ''
}

function deviceOf(raw: z.infer<typeof Device>): MpsDevice {
  return {
    guid: raw.guid,
    hostname: raw.hostname ?? '',
    friendlyName: raw.friendlyName ?? '',
    tags: raw.tags ?? [],
    mpsusername: raw.mpsusername ?? '',
    tenantId: raw.tenantId ?? '',
    dnsSuffix: raw.dnsSuffix ?? '',
    connectionStatus: raw.connectionStatus ?? false,
  }
}

const parse = <S extends z.ZodType>(schema: S, body: unknown, what: string): z.infer<S> =>
  parseAnswer('MPS', schema, body, what)
