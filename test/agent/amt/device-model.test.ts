import test from 'ava'
import { decodeFeatures } from '../../../agent/amt/device-amtinfo.ts'
import { createDeviceModel, type DeviceModel } from '../../../agent/amt/device-model.ts'
import { parseDeviceModel } from '../../../agent/amt/device-model-schema.ts'
import { applyOperation, type DeviceOperation } from '../../../agent/amt/device-operations.ts'

const RPS = 'wss://rps.example.com/activate'
const activate: DeviceOperation = { command: 'activate', rpsUrl: RPS, profile: 'p', password: 'pw-12345678' }

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') for (const child of Object.values(value)) deepFreeze(child)
  return Object.freeze(value)
}

/** Applies operations in turn; returns each exit code and the final model. */
function run(model: DeviceModel, ...ops: DeviceOperation[]): { codes: number[]; model: DeviceModel } {
  const codes: number[] = []
  for (const op of ops) {
    const outcome = applyOperation(model, op)
    codes.push(outcome.exitCode)
    model = outcome.model
  }
  return { codes, model }
}

test('applyOperation is pure and serialisable: the input is untouched, the output survives JSON', (t) => {
  const before = deepFreeze(createDeviceModel())
  const outcome = applyOperation(before, activate)
  t.is(before.controlMode, 'pre-provisioning')
  t.is(outcome.model.controlMode, 'ccm')
  t.deepEqual(parseDeviceModel(JSON.parse(JSON.stringify(outcome.model))), outcome.model)
})

test('transientOnCall counts amtinfo/activate/deactivate across calls, not version', (t) => {
  const model = createDeviceModel({ faults: { transientOnCall: [2, 4] } })
  const amtinfo: DeviceOperation = { command: 'amtinfo' }
  const { codes, model: after } = run(
    model,
    { command: 'version' },
    amtinfo,
    amtinfo,
    amtinfo,
    { command: 'version' },
    amtinfo,
    amtinfo,
  )
  t.deepEqual(codes, [0, 0, 10, 0, 0, 10, 0])
  t.is(after.counters.calls, 5)
})

test('without LMS: AMT 19+ exits 139, older AMT hangs', (t) => {
  t.is(applyOperation(createDeviceModel({ lmsInstalled: false, amtVersion: '19.0.2' }), activate).exitCode, 139)
  t.true(applyOperation(createDeviceModel({ lmsInstalled: false }), activate).hang)
})

test('profiles: a known one picks the mode, an unknown one is an RPS error (v2: exit 0 + error line)', (t) => {
  const model = createDeviceModel({ profiles: { 'store-acm': 'acm' } })
  t.is(applyOperation(model, { ...activate, profile: 'store-acm' }).model.controlMode, 'acm')
  const unknown = applyOperation(model, { ...activate, profile: 'nope' })
  t.is(unknown.exitCode, 0)
  t.deepEqual(
    unknown.logs.filter((line) => line.level === 'error').map((line) => line.msg),
    ['profile nope not found'],
  )
  t.is(unknown.model.controlMode, 'pre-provisioning')
})

test('stuckConnectingActivations limits the fault to the first activations (recovery works)', (t) => {
  const model = createDeviceModel({ faults: { stuckConnecting: 100, stuckConnectingActivations: 1 } })
  const first = run(model, activate)
  t.is(first.model.ras.remoteStatus, 'connecting')
  const recovered = run(first.model, { command: 'deactivate', rpsUrl: RPS, password: 'pw-12345678' }, activate)
  t.is(recovered.model.ras.remoteStatus, 'connected')
})

test('parseDeviceModel fills defaults and rejects unknown keys with their path', (t) => {
  t.like(parseDeviceModel({ rpcLine: 'v3' }), {
    rpcLine: 'v3',
    rpcVersion: '3.0.0-beta.1',
    sku: 16392,
    amtVersion: '18.0.5',
  })
  t.throws(() => parseDeviceModel({ faults: { noMEE: true } }), { message: /faults: Unrecognized key.*noMEE/ })
})

test('features are decoded from version and SKU like rpc does', (t) => {
  t.is(decodeFeatures('18.0.5', '16392'), 'AMT Pro Corporate')
  t.is(decodeFeatures('16.1.25', '16400'), 'Intel Standard Manageability Corporate')
  t.is(decodeFeatures('', ''), 'Invalid AMT version format')
  t.is(decodeFeatures('18.0.5', ''), 'Invalid SKU')
})

test('without a profile table, ACM only when "acm" is a separate part of the profile name', (t) => {
  const model = createDeviceModel()
  for (const [profile, mode] of [
    ['acme_ccm', 'ccm'],
    ['acme_acm', 'acm'],
    ['acm-profile', 'acm'],
    ['acm', 'acm'],
    ['pharmacm_ccm', 'ccm'],
  ] as const) {
    t.is(applyOperation(model, { ...activate, profile }).model.controlMode, mode, profile)
  }
})
