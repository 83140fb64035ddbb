import { randomBytes } from 'node:crypto'
import type { MpsDevice } from '../../../dmt/ports.ts'
import { FaultServer, fieldsOf, validationFailed, type FakeAnswer, type Route } from '../fault-server.ts'
import { deviceErrors } from './validate-device.ts'

/**
 * A stand-in for MPS's REST API (../shared/reference/inventory-and-dmt.md), with what MPS v2.34.1 answers (issue #13):
 * - `GET /ciracert`: the CIRA root certificate as PEM with CRLF line ends, labelled text/html as MPS does;
 * - devices: POST creates (201) or updates (200) after MPS's validation (validate-device.ts: 400
 *   `{ errors: [{ type, value, msg, path, location }] }`); `GET /devices/{guid}` answers 404 with an empty body for an
 *   unknown device and 204 with no body for a device stored under another MPS tenant; `GET /devices?$count=true`
 *   answers `{ data, totalCount }`, without it an array. Callers are of tenant `callerTenant` ('' — no tenant claim);
 * - power state and actions, deactivation: only for a device connected over CIRA (`connect(guid)`, possible only
 *   for a registered device, as MPS's two-way authentication demands); otherwise 404
 *   `{ error: "Device not found/connected. Please connect again using CIRA.", errorDescription: "guid : <guid>" }`.
 * - `DELETE /devices/{guid}` removes only the device (204; 404 when the caller cannot see it): the secrets RPS wrote
 *   to Vault at activation (`devices/<guid>`: `secrets`) stay unless `?isSecretToBeDeleted=true` is sent. With it,
 *   MPS deletes the secrets of that GUID whether or not the caller's tenant holds the device (unknown or another
 *   tenant's: 204, the device stays), and answers 404 when Vault refuses (`vaultFails`; the device is gone anyway).
 * Fault switches come from FaultServer (`server.down()`, `server.slowMs`, `server.failNext()`).
 */

/** A device as the fake stores it: what MPS answers for it (the manager's view, manager/dmt/ports.ts), plus its power state. */
export interface FakeDevice extends MpsDevice {
  /** MPS power-state code. */
  powerstate: number
}

/** What RPS writes to Vault at `devices/<guid>` when it activates a device (MPS reads it to log in to AMT). */
export interface DeviceSecrets {
  AMT_PASSWORD: string
  MEBX_PASSWORD?: string
  MPS_PASSWORD?: string
}

/** Power actions MPS accepts (its validator), and the power state each leaves behind. */
const ACTIONS = new Map<number, number>([
  [2, 2],
  [4, 4],
  [5, 2],
  [7, 7],
  [8, 8],
  [10, 2],
  [12, 8],
  [13, 8],
  [14, 2],
])

const NOT_CONNECTED = 'Device not found/connected. Please connect again using CIRA.'
const notConnected = (guid = ''): FakeAnswer => ({
  status: 404,
  json: { error: NOT_CONNECTED, errorDescription: `guid : ${guid}` },
})

export class FakeMps {
  readonly server: FaultServer
  readonly devices = new Map<string, FakeDevice>()
  /** Every power action MPS carried to a device, in order. */
  readonly powerActions: Array<{ guid: string; action: number }> = []
  /** The PEM served at /api/v1/ciracert; `certificateBody` is what RPS's CIRA config must carry (assign to rotate). */
  certificateBody = randomBytes(96).toString('base64')
  /** When set, AMT answers power actions with this instead of SUCCESS. */
  powerAnswer: { ReturnValue: number; ReturnValueStr: string } | null = null
  /** Vault's `devices/<guid>` secrets, by GUID (RPS writes them at activation: `storeSecrets`). */
  readonly secrets = new Map<string, DeviceSecrets>()
  /** When set, deleting secrets from Vault fails (MPS logs it and answers the delete 404). */
  vaultFails = false
  /** The MPS tenant of every request (MPS takes it from the caller's token; '' when it carries none). */
  callerTenant = ''

  private constructor(server: FaultServer) {
    this.server = server
  }

  static async start(): Promise<FakeMps> {
    const holder: { fake?: FakeMps } = {}
    const server = await FaultServer.start(routes(() => holder.fake as FakeMps))
    holder.fake = new FakeMps(server)
    return holder.fake
  }

  get url(): string {
    return this.server.url
  }

  get certificatePem(): string {
    const lines = this.certificateBody.match(/.{1,64}/g) ?? []
    return `-----BEGIN CERTIFICATE-----\r\n${lines.join('\r\n')}\r\n-----END CERTIFICATE-----\r\n`
  }

  /** The device opens its CIRA connection: refused (false) unless MPS knows it. */
  connect(guid: string, powerstate = 2): boolean {
    const device = this.devices.get(guid.toLowerCase())
    if (!device) return false
    device.connectionStatus = true
    device.powerstate = powerstate
    return true
  }

  /** The device's CIRA connection closed (deactivated, switched off from the network). */
  disconnect(guid: string): void {
    const device = this.devices.get(guid.toLowerCase())
    if (device) device.connectionStatus = false
  }

  /** RPS activated the device: its passwords are in Vault, where MPS reads them. */
  storeSecrets(guid: string, secrets: DeviceSecrets): void {
    this.secrets.set(guid.toLowerCase(), secrets)
  }

  close(): Promise<void> {
    return this.server.close()
  }
}

function routes(fake: () => FakeMps): Route[] {
  const api = '/api/v1'
  const connected = (guid = ''): FakeDevice | null => {
    const device = fake().devices.get(guid.toLowerCase())
    return device?.connectionStatus ? device : null
  }
  const stored = (guid = ''): FakeDevice | undefined => fake().devices.get(guid.toLowerCase())
  const mine = (device: FakeDevice): boolean => device.tenantId === fake().callerTenant
  const view = ({ powerstate: _powerstate, ...device }: FakeDevice) => device
  return [
    {
      method: 'GET',
      pattern: `${api}/ciracert`,
      handle: () => ({ status: 200, text: fake().certificatePem, textType: 'text/html' }),
    },
    {
      method: 'GET',
      pattern: `${api}/devices`,
      handle: ({ query }) => {
        const data = [...fake().devices.values()].filter(mine).map(view)
        return { status: 200, json: query.get('$count') === 'true' ? { data, totalCount: data.length } : data }
      },
    },
    {
      method: 'GET',
      pattern: `${api}/devices/:guid`,
      handle: ({ params }) => {
        const device = stored(params.guid)
        if (!device) return { status: 404 }
        return mine(device) ? { status: 200, json: view(device) } : { status: 204 }
      },
    },
    { method: 'POST', pattern: `${api}/devices`, handle: ({ body }) => registerDevice(fake(), fieldsOf(body)) },
    {
      method: 'DELETE',
      pattern: `${api}/devices/:guid`,
      handle: ({ params, query }) =>
        deleteDevice(fake(), params.guid ?? '', query.get('isSecretToBeDeleted') === 'true'),
    },
    {
      method: 'GET',
      pattern: `${api}/amt/power/state/:guid`,
      handle: ({ params }) => {
        const device = connected(params.guid)
        return device ? { status: 200, json: { powerstate: device.powerstate } } : notConnected(params.guid)
      },
    },
    {
      method: 'POST',
      pattern: `${api}/amt/power/action/:guid`,
      handle: ({ params, body }) => {
        const { action, useSOL } = fieldsOf(body)
        if (typeof action !== 'number' || !ACTIONS.has(action))
          return validationFailed([{ path: 'action', msg: 'Power action is not supported', value: action }])
        if (typeof useSOL !== 'boolean')
          return validationFailed([{ path: 'useSOL', msg: 'useSOL must be a boolean', value: useSOL }])
        const device = connected(params.guid)
        if (!device) return notConnected(params.guid)
        fake().powerActions.push({ guid: device.guid, action })
        const answer = fake().powerAnswer ?? { ReturnValue: 0, ReturnValueStr: 'SUCCESS' }
        if (answer.ReturnValue === 0) device.powerstate = ACTIONS.get(action) ?? device.powerstate
        return { status: 200, json: { Body: answer } }
      },
    },
    {
      method: 'DELETE',
      pattern: `${api}/amt/deactivate/:guid`,
      handle: ({ params }) => {
        const device = connected(params.guid)
        if (!device) return notConnected(params.guid)
        device.connectionStatus = false
        return { status: 200, json: { status: 'SUCCESS' } }
      },
    },
  ]
}

function registerDevice(fake: FakeMps, fields: Record<string, unknown>): FakeAnswer {
  const errors = deviceErrors(fields)
  if (errors.length > 0) return validationFailed(errors)
  const guid = String(fields.guid)
  const text = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback)
  const existing = fake.devices.get(guid.toLowerCase())
  const device: FakeDevice = {
    guid: guid.toLowerCase(),
    hostname: text(fields.hostname, existing?.hostname ?? ''),
    friendlyName: text(fields.friendlyName, existing?.friendlyName ?? ''),
    tags: Array.isArray(fields.tags)
      ? fields.tags.filter((tag): tag is string => typeof tag === 'string')
      : (existing?.tags ?? []),
    mpsusername: text(fields.mpsusername, existing?.mpsusername ?? ''),
    tenantId: text(fields.tenantId, existing?.tenantId ?? ''),
    dnsSuffix: text(fields.dnsSuffix, existing?.dnsSuffix ?? ''),
    connectionStatus: existing?.connectionStatus ?? false,
    powerstate: existing?.powerstate ?? 2,
  }
  fake.devices.set(device.guid, device)
  const { powerstate: _powerstate, ...view } = device
  return { status: existing ? 200 : 201, json: view }
}

/** MPS's deleteDevice: the device if the caller's tenant sees it; with the flag, Vault's secrets of the GUID in any case. */
function deleteDevice(fake: FakeMps, guid: string, withSecrets: boolean): FakeAnswer {
  const notFound: FakeAnswer = { status: 404, json: { error: 'NOT FOUND', message: `Device ID ${guid} not found` } }
  const device = fake.devices.get(guid.toLowerCase())
  const visible = device !== undefined && device.tenantId === fake.callerTenant
  if (!visible && !withSecrets) return notFound
  if (visible) fake.devices.delete(device.guid)
  if (!withSecrets) return { status: 204 }
  if (fake.vaultFails) return notFound
  fake.secrets.delete(guid.toLowerCase())
  return { status: 204 }
}
