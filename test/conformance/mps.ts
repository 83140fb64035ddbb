import test, { type ExecutionContext } from 'ava'
import { DmtError } from '../../manager/dmt/errors.ts'
import { OTHER_TENANT, type MpsDeviceInput, type MpsPort } from '../../manager/dmt/ports.ts'
import { DNS_SUFFIXES } from '../fixtures/dns-names.ts'

/** A fresh MPS behind the port, plus a way to bring a registered device's CIRA connection up (a real AMT does). */
interface MpsUnderTest {
  mps: MpsPort
  /** The device opens its CIRA connection with this power state; false when MPS refuses it. */
  connect(guid: string, powerstate?: number): boolean
  /** Stores the device under another MPS tenant than the port's (a real MPS: registered with that tenant's token). */
  storeUnderOtherTenant(device: MpsDeviceInput, tenantId: string): Promise<void>
}

export type MpsFactory = (t: ExecutionContext) => Promise<MpsUnderTest>

const GUID = '4c4c4544-005a-3510-8047-b4c04f564433'
const device = (guid = GUID): MpsDeviceInput => ({
  guid,
  hostname: 'edge-1',
  friendlyName: 'edge-1',
  tags: ['tenant:acme'],
  mpsusername: 'admin',
  tenantId: '',
  dnsSuffix: '',
})

/**
 * The MpsPort contract (manager/dmt/ports.ts): root certificate as a bare PEM body, device registry
 * (register = create or update, validated as MPS v2.34.1 does; another MPS tenant's device is OTHER_TENANT), power
 * state and actions and deactivation for connected devices only, refused with MPS's reason otherwise.
 */
export function mpsConformance(label: string, create: MpsFactory): void {
  test(`${label}: the CIRA root certificate is the PEM body without header, footer or newlines`, async (t) => {
    const { mps } = await create(t)
    const body = await mps.getCiraCertificate()
    t.regex(body, /^[A-Za-z0-9+/]+=*$/)
    t.false(body.includes('CERTIFICATE'))
  })

  test(`${label}: devices: get null, register, register again (update), delete, delete again (done)`, async (t) => {
    const { mps } = await create(t)
    t.is(await mps.getDevice(GUID), null)
    t.like(await mps.registerDevice(device()), {
      guid: GUID,
      hostname: 'edge-1',
      tags: ['tenant:acme'],
      connectionStatus: false,
    })
    t.like(await mps.registerDevice({ ...device(), friendlyName: 'renamed' }), { guid: GUID, friendlyName: 'renamed' })
    t.like(await mps.getDevice(GUID.toUpperCase()), { guid: GUID, friendlyName: 'renamed', mpsusername: 'admin' })
    await mps.deleteDevice(GUID)
    t.is(await mps.getDevice(GUID), null)
    await mps.deleteDevice(GUID)
  })

  test(`${label}: a device that is not a UUID is MPS_REJECTED`, async (t) => {
    const { mps } = await create(t)
    const error = await t.throwsAsync(mps.registerDevice(device('not-a-guid')), { instanceOf: DmtError })
    t.is(error.code, 'MPS_REJECTED')
    t.is(error.status, 400)
  })

  test(`${label}: a device stored under another MPS tenant is OTHER_TENANT (MPS: 204, no body), not null or an error`, async (t) => {
    const under = await create(t)
    await under.storeUnderOtherTenant(device(), 'other-tenant-id')
    t.is(await under.mps.getDevice(GUID), OTHER_TENANT)
    await under.mps.deleteDevice(GUID)
    t.is(await under.mps.getDevice(GUID), OTHER_TENANT, "another tenant's device stays")
  })

  test(`${label}: dnsSuffix is validated as MPS does (a DNS name, no TLD needed, empty allowed), with MPS's reason`, async (t) => {
    const { mps } = await create(t)
    for (const [index, { value, valid }] of DNS_SUFFIXES.entries()) {
      const guid = `4c4c4544-005a-3510-8047-${String(index).padStart(12, '0')}`
      const attempt = mps.registerDevice({ ...device(guid), dnsSuffix: value })
      if (valid) t.like(await attempt, { guid, dnsSuffix: value }, JSON.stringify(value))
      else {
        const error = await t.throwsAsync(attempt, { instanceOf: DmtError })
        t.deepEqual([error.code, error.status], ['MPS_REJECTED', 400], JSON.stringify(value))
        t.regex(error.message, /\(400\): dnsSuffix: dnsSuffix must be a valid DNS suffix$/)
      }
    }
  })

  test(`${label}: a hostname longer than 255 characters is MPS_REJECTED 400`, async (t) => {
    const { mps } = await create(t)
    const error = await t.throwsAsync(mps.registerDevice({ ...device(), hostname: 'h'.repeat(256) }), {
      instanceOf: DmtError,
    })
    t.deepEqual([error.code, error.status], ['MPS_REJECTED', 400])
    t.regex(error.message, /\(400\): hostname: /)
    t.like(await mps.registerDevice({ ...device(), hostname: 'h'.repeat(255) }), { guid: GUID })
  })

  test(`${label}: only a registered device can connect; power needs the connection`, async (t) => {
    const under = await create(t)
    t.false(under.connect(GUID), 'MPS refuses a device it does not know')
    await under.mps.registerDevice(device())
    const offline = await t.throwsAsync(under.mps.getPowerState(GUID), { instanceOf: DmtError })
    t.deepEqual([offline.code, offline.status], ['MPS_REJECTED', 404])
    t.true(
      offline.message.endsWith(`(404): Device not found/connected. Please connect again using CIRA. (guid : ${GUID})`),
      offline.message,
    )
    const action = await t.throwsAsync(under.mps.powerAction(GUID, 10), { instanceOf: DmtError })
    t.deepEqual([action.code, action.status], ['MPS_REJECTED', 404])
    t.true(under.connect(GUID, 8))
    t.is(await under.mps.getPowerState(GUID), 8)
  })

  test(`${label}: power actions answer AMT's ReturnValue; the state follows`, async (t) => {
    const under = await create(t)
    await under.mps.registerDevice(device())
    under.connect(GUID, 8)
    t.deepEqual(await under.mps.powerAction(GUID, 2), { returnValue: 0, returnValueStr: 'SUCCESS' })
    t.is(await under.mps.getPowerState(GUID), 2)
    t.deepEqual(await under.mps.powerAction(GUID, 10), { returnValue: 0, returnValueStr: 'SUCCESS' })
    const unsupported = await t.throwsAsync(under.mps.powerAction(GUID, 99), { instanceOf: DmtError })
    t.is(unsupported.code, 'MPS_REJECTED')
  })

  test(`${label}: deactivate needs the connection and ends it`, async (t) => {
    const under = await create(t)
    await under.mps.registerDevice(device())
    const offline = await t.throwsAsync(under.mps.deactivate(GUID), { instanceOf: DmtError })
    t.is(offline.status, 404)
    under.connect(GUID)
    await under.mps.deactivate(GUID)
    t.like(await under.mps.getDevice(GUID), { connectionStatus: false })
  })
}
