import { randomBytes } from 'node:crypto'
import type { MpsDevice } from '../../../manager/dmt/ports.ts'
import { FaultServer, fieldsOf, notFound, validationFailed, type FakeAnswer, type Route } from '../rps/fault-server.ts'

/**
 * A stand-in for MPS's REST API (../shared/reference/inventory-and-dmt.md): the CIRA root certificate (PEM), the
 * device registry (POST creates 201 or updates 200), power state and actions, deactivation. Power and
 * deactivation need the device connected over CIRA (`connect(guid)`, possible only for a registered device, as
 * MPS's two-way authentication demands); otherwise 404 "Device not found/connected".
 * Fault switches come from FaultServer (`server.down()`, `server.slowMs`, `server.failNext()`).
 */

/** A device as the fake stores it: what MPS answers for it (the manager's view, manager/dmt/ports.ts), plus its power state. */
export interface FakeDevice extends MpsDevice {
  /** MPS power-state code. */
  powerstate: number
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const NOT_CONNECTED = 'Device not found/connected. Please connect again using CIRA.'

export class FakeMps {
  readonly server: FaultServer
  readonly devices = new Map<string, FakeDevice>()
  /** Every power action MPS carried to a device, in order. */
  readonly powerActions: Array<{ guid: string; action: number }> = []
  /** The PEM served at /api/v1/ciracert; `certificateBody` is what RPS's CIRA config must carry (assign to rotate). */
  certificateBody = randomBytes(96).toString('base64')
  /** When set, AMT answers power actions with this instead of SUCCESS. */
  powerAnswer: { ReturnValue: number; ReturnValueStr: string } | null = null

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
    return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
  }

  /** The device opens its CIRA connection: refused (false) unless MPS knows it. */
  connect(guid: string, powerstate = 2): boolean {
    const device = this.devices.get(guid.toLowerCase())
    if (!device) return false
    device.connectionStatus = true
    device.powerstate = powerstate
    return true
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
  const view = ({ powerstate: _powerstate, ...device }: FakeDevice) => device
  return [
    { method: 'GET', pattern: `${api}/ciracert`, handle: () => ({ status: 200, text: fake().certificatePem }) },
    { method: 'GET', pattern: `${api}/devices`, handle: () => ({ status: 200, json: [...fake().devices.values()].map(view) }) },
    {
      method: 'GET',
      pattern: `${api}/devices/:guid`,
      handle: ({ params }) => {
        const device = fake().devices.get((params.guid ?? '').toLowerCase())
        return device ? { status: 200, json: view(device) } : { status: 404, json: { error: 'NOT FOUND', message: `Device ID ${params.guid ?? ''} not found` } }
      },
    },
    { method: 'POST', pattern: `${api}/devices`, handle: ({ body }) => registerDevice(fake(), fieldsOf(body)) },
    {
      method: 'DELETE',
      pattern: `${api}/devices/:guid`,
      handle: ({ params }) => (fake().devices.delete((params.guid ?? '').toLowerCase()) ? { status: 204 } : { status: 404, json: { error: 'NOT FOUND', message: `Device ID ${params.guid ?? ''} not found` } }),
    },
    {
      method: 'GET',
      pattern: `${api}/amt/power/state/:guid`,
      handle: ({ params }) => {
        const device = connected(params.guid)
        return device ? { status: 200, json: { powerstate: device.powerstate } } : notFound(NOT_CONNECTED)
      },
    },
    {
      method: 'POST',
      pattern: `${api}/amt/power/action/:guid`,
      handle: ({ params, body }) => {
        const { action, useSOL } = fieldsOf(body)
        if (typeof action !== 'number' || !ACTIONS.has(action)) return validationFailed([{ path: 'action', msg: 'Power action is not supported', value: action }])
        if (typeof useSOL !== 'boolean') return validationFailed([{ path: 'useSOL', msg: 'useSOL must be a boolean', value: useSOL }])
        const device = connected(params.guid)
        if (!device) return notFound(NOT_CONNECTED)
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
        if (!device) return notFound(NOT_CONNECTED)
        device.connectionStatus = false
        return { status: 200, json: { status: 'SUCCESS' } }
      },
    },
  ]
}

function registerDevice(fake: FakeMps, fields: Record<string, unknown>): FakeAnswer {
  const guid = fields.guid
  if (typeof guid !== 'string' || !UUID.test(guid)) return validationFailed([{ path: 'guid', msg: 'GUID must be a UUID', value: guid }])
  const text = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback)
  const existing = fake.devices.get(guid.toLowerCase())
  const device: FakeDevice = {
    guid: guid.toLowerCase(),
    hostname: text(fields.hostname, existing?.hostname ?? ''),
    friendlyName: text(fields.friendlyName, existing?.friendlyName ?? ''),
    tags: Array.isArray(fields.tags) ? fields.tags.filter((tag): tag is string => typeof tag === 'string') : (existing?.tags ?? []),
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
