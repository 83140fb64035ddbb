import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import test from 'ava'
import { classifyCapability, classifySku, probeMeDevice } from '../../../agent/amt/classify.ts'
import { AmtError, type AmtInfo } from '../../../agent/amt/port.ts'

const SKUS: [number, boolean, string][] = [
  [16392, true, 'AMT'], // 0x4008 AMT Pro Corporate (the reference's real node)
  [0x08, true, 'AMT'],
  [0x4010, true, 'ISM'], // Intel Standard Manageability Corporate
  [0x10, true, 'ISM'],
  [0x18, true, 'AMT'], // both bits: AMT Pro wins
  [0x4000, false, 'UNSPECIFIED'], // Corporate only
  [0x2000, false, 'UNSPECIFIED'], // AT-p only
  [0, false, 'UNSPECIFIED'],
]

for (const [sku, capable, klass] of SKUS) {
  test(`SKU 0x${sku.toString(16)} → ${capable ? klass : 'not capable'}`, (t) => {
    const result = classifySku(sku)
    t.like(result, { capable, sku: klass })
    t.is(result.reason === undefined, capable, 'a reason exactly when not capable')
  })
}

const info = (sku: number | null, features: string, more: Partial<AmtInfo> = {}): AmtInfo => ({
  amtVersion: '',
  buildNumber: '',
  sku,
  features,
  uuid: '',
  controlMode: 'UNKNOWN',
  provisioningState: 'unknown',
  operationalState: '',
  dnsSuffix: '',
  dnsSuffixOS: '',
  ras: null,
  ...more,
})

test('capability never comes from the features text', (t) => {
  const noSku = info(null, 'AMT Pro Corporate', { controlMode: 'PRE_PROVISIONING' })
  t.is(classifyCapability({ meDevice: '/dev/mei0', info: noSku }), null, 'no SKU: undecided, whatever the text says')
  t.like(classifyCapability({ meDevice: '/dev/mei0', info: info(0x4010, 'AMT Pro Corporate') }), {
    capable: true,
    sku: 'ISM',
  })
})

type Decisive = Pick<AmtInfo, 'sku' | 'controlMode' | 'provisioningState'>
const pre = { controlMode: 'PRE_PROVISIONING', provisioningState: 'pre-provisioning' } as const
const unknown = { controlMode: 'UNKNOWN', provisioningState: 'unknown' } as const
const postNoMode = { controlMode: 'UNKNOWN', provisioningState: 'post-provisioning' } as const
const inProvisioning = { controlMode: 'UNKNOWN', provisioningState: 'in provisioning' } as const
const CAPABLE = { capable: true, sku: 'UNSPECIFIED' }
const acm = { controlMode: 'ACM', provisioningState: 'post-provisioning' } as const
const ccm = { controlMode: 'CCM', provisioningState: 'post-provisioning' } as const
const DECISIVE: [string, Decisive, { capable: boolean; sku: string } | null][] = [
  ['AMT SKU, pre-provisioning', { sku: 16392, ...pre }, { capable: true, sku: 'AMT' }],
  ['SKU without AMT/ISM bits, pre-provisioning', { sku: 0x4000, ...pre }, { capable: false, sku: 'UNSPECIFIED' }],
  ['no SKU in ACM: capable (never NOT_SUPPORTED)', { sku: null, ...acm }, CAPABLE],
  ['no SKU in CCM: capable', { sku: null, ...ccm }, CAPABLE],
  ['SKU without the bits but in CCM: capable', { sku: 0x4000, ...ccm }, CAPABLE],
  ['ISM SKU in ACM', { sku: 0x4010, ...acm }, { capable: true, sku: 'ISM' }],
  ['no SKU, no control mode, post-provisioning (v3)', { sku: null, ...postNoMode }, CAPABLE],
  ['no SKU, in provisioning (v3)', { sku: null, ...inProvisioning }, CAPABLE],
  ['no SKU, pre-provisioning: undecidable', { sku: null, ...pre }, null],
  ['no SKU, unknown control mode: undecidable', { sku: null, ...unknown }, null],
]

for (const [title, decisive, expected] of DECISIVE) {
  test(`decisive fields: ${title}`, (t) => {
    const result = classifyCapability({ meDevice: '/dev/mei0', info: info(decisive.sku, '', decisive) })
    if (expected === null) t.is(result, null)
    else t.like(result, expected)
  })
}

test('no ME device, or an rpc failure saying so, is not capable; other failures are undecidable', (t) => {
  const noDevice = classifyCapability({ meDevice: null, info: info(16392, '') })
  t.like(noDevice, { capable: false, sku: 'UNSPECIFIED' })
  t.regex(noDevice?.reason ?? '', /no Intel ME interface device/)
  const failure = (code: number, codeName: string, errorClass: 'transient' | 'permanent' = 'permanent') =>
    new AmtError({ code, codeName, errorClass, message: 'x' })
  t.like(classifyCapability({ meDevice: '/dev/mei0', error: failure(2, 'HECIDriverNotDetected') }), { capable: false })
  t.like(classifyCapability({ meDevice: '/dev/mei0', error: failure(3, 'AmtNotDetected') }), { capable: false })
  t.is(classifyCapability({ meDevice: '/dev/mei0', error: failure(10, 'GenericFailure', 'transient') }), null)
})

test('probeMeDevice finds the ME interface at any index 0..3 under an injectable /dev', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dev-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  t.is(await probeMeDevice(dir), null)
  await writeFile(join(dir, 'mei2'), '')
  t.is(await probeMeDevice(dir), join(dir, 'mei2'))
  await writeFile(join(dir, 'mei1'), '')
  t.is(await probeMeDevice(dir), join(dir, 'mei1'))
})
