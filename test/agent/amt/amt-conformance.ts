import type { ExecutionContext, TestFn } from 'ava'
import { AmtError, type Amt } from '../../../agent/amt/port.ts'
import { classifyCapability } from '../../../agent/amt/classify.ts'
import type { DeviceModel, DeviceModelInit } from '../../../agent/amt/device-model.ts'
import { HANG_TEST_MARGIN_MS } from '../../fixtures/rpc-emulator/timing.ts'

/**
 * One behaviour table for every Amt implementation: the rpc CLI adapter over the emulator executable
 * (rpc-cli.test.ts) and the in-process simulated adapter (simulated.test.ts) must pass the same cases.
 */
export interface HarnessOptions {
  amtinfoTimeoutMs?: number
  operationTimeoutMs?: number
  killGraceMs?: number
}

interface AmtHarness {
  amt: Amt
  /** The device state now (device file or in-memory model). */
  model: () => Promise<DeviceModel>
}

export type CreateHarness = (
  t: ExecutionContext,
  device: DeviceModelInit,
  options?: HarnessOptions,
) => Promise<AmtHarness>

interface ConformanceSettings {
  /**
   * The timeout given to a call that hangs. An adapter running real child processes needs one far above their cold
   * start (test/fixtures/rpc-emulator/timing.ts); the in-process adapter has no cold start.
   */
  hangTimeoutMs: number
}

interface ConformanceCase {
  title: string
  device: DeviceModelInit
  options?: (settings: ConformanceSettings) => HarnessOptions
  /** The case mostly waits for a timeout (a hanging call): it may run alongside other cases. */
  waitsForTimeout?: boolean
  run(t: ExecutionContext, harness: AmtHarness, settings: ConformanceSettings): Promise<void>
}

const RPS = 'wss://rps.example.com/activate'
const PASSWORD = 'Sup3r-Secret!pw'

async function rejection(t: ExecutionContext, promise: Promise<unknown>): Promise<AmtError> {
  const error = await t.throwsAsync(promise)
  if (!(error instanceof AmtError)) throw new Error(`expected an AmtError, got ${String(error)}`)
  t.false(error.message.includes(PASSWORD), 'no secret in error messages')
  return error
}

function expectFailure(
  t: ExecutionContext,
  error: AmtError,
  expected: Partial<Pick<AmtError, 'code' | 'codeName' | 'errorClass'>>,
): void {
  t.like({ code: error.code, codeName: error.codeName, errorClass: error.errorClass }, expected)
}

const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  {
    title: 'v2 amtinfo: the reference values, normalised',
    device: {},
    async run(t, { amt }) {
      t.deepEqual(await amt.version(), { line: 'v2', version: '2.52.6' })
      t.deepEqual(await amt.info(), {
        amtVersion: '18.0.5',
        buildNumber: '1913',
        sku: 16392,
        features: 'AMT Pro Corporate',
        uuid: '4c4c4544-005a-3510-8047-b4c04f564433',
        controlMode: 'PRE_PROVISIONING',
        provisioningState: 'pre-provisioning',
        operationalState: 'enabled',
        dnsSuffix: '',
        dnsSuffixOS: 'example.com',
        ras: {
          networkStatus: 'outside enterprise',
          remoteStatus: 'not connected',
          remoteTrigger: 'user initiated',
          mpsHostname: '',
        },
      })
      t.regex((await amt.probeDevice()) ?? '', /\/mei0$/)
    },
  },
  ...(['v2', 'v3'] as const).map((rpcLine): ConformanceCase => ({
    title: `${rpcLine} amtinfo -cert: the device's trusted root hashes, normalised; not counted as a call`,
    device: {
      rpcLine,
      dnsSuffix: 'corp.example.com',
      certificateHashes: [
        { Name: 'Root A', Hash: 'AB'.repeat(32), Algorithm: 'SHA256', IsActive: true, IsDefault: true },
        { Name: 'Root B', Hash: 'cd'.repeat(48), Algorithm: 'SHA384', IsActive: false, IsDefault: false },
        { Name: 'Broken', Hash: 'not-hex', Algorithm: 'SHA256', IsActive: true, IsDefault: true },
      ],
    },
    async run(t, { amt, model }) {
      t.deepEqual(await amt.certificateHashes(), [
        { name: 'Root A', algorithm: 'SHA256', hash: 'ab'.repeat(32), active: true, default: true },
        { name: 'Root B', algorithm: 'SHA384', hash: 'cd'.repeat(48), active: false, default: false },
      ])
      t.is((await model()).counters.calls, 0, 'amtinfo -cert is not counted (transientOnCall numbers stay)')
      t.like(await amt.info(), { dnsSuffix: 'corp.example.com', dnsSuffixOS: 'example.com' })
    },
  })),
  {
    title: 'amtinfo -cert printing garbage: RpcBadOutput; plain amtinfo still works',
    device: { faults: { garbageCertificates: true } },
    async run(t, { amt }) {
      expectFailure(t, await rejection(t, amt.certificateHashes()), { code: null, codeName: 'RpcBadOutput' })
      t.like(await amt.info(), { sku: 16392 })
    },
  },
  {
    title: 'v3 amtinfo: ACM, connected, v3 strings normalised',
    device: {
      rpcLine: 'v3',
      controlMode: 'acm',
      dnsSuffix: 'vpro.example.com',
      ras: { remoteStatus: 'connected', remoteTrigger: 'periodic', mpsHostname: 'mps.example.com' },
    },
    async run(t, { amt }) {
      t.is((await amt.version()).line, 'v3')
      const info = await amt.info()
      t.like(info, {
        controlMode: 'ACM',
        provisioningState: 'post-provisioning',
        dnsSuffix: 'vpro.example.com',
        ras: { remoteStatus: 'connected', mpsHostname: 'mps.example.com' },
      })
    },
  },
  {
    title: 'v2 activate: resolves, amtinfo then shows CCM connected, the password is the one passed',
    device: {},
    async run(t, { amt, model }) {
      await amt.activate({ rpsUrl: RPS, profile: 'ccm-profile', password: PASSWORD, skipCertCheck: true })
      t.like(await amt.info(), {
        controlMode: 'CCM',
        provisioningState: 'post-provisioning',
        ras: { remoteStatus: 'connected', mpsHostname: 'mps.example.com' },
      })
      t.is((await model()).password, PASSWORD)
    },
  },
  {
    title: 'v3 activate: --profile selects ACM',
    device: { rpcLine: 'v3' },
    async run(t, { amt }) {
      await amt.activate({ rpsUrl: RPS, profile: 'acm-profile', password: PASSWORD })
      t.like(await amt.info(), { controlMode: 'ACM', ras: { remoteStatus: 'connected' } })
    },
  },
  {
    title: 'v2 RPS error: exit 0 with an error log line rejects (RpsError), nothing changes',
    device: { faults: { v2RpsError: 'Device activation failed: profile mismatch' } },
    async run(t, { amt, model }) {
      const error = await rejection(t, amt.activate({ rpsUrl: RPS, profile: 'ccm-profile', password: PASSWORD }))
      expectFailure(t, error, { code: 0, codeName: 'RpsError', errorClass: 'permanent' })
      t.regex(error.message, /profile mismatch/)
      t.is((await model()).controlMode, 'pre-provisioning')
    },
  },
  {
    title: 'v3 RPS error: exits 10, permanent',
    device: { rpcLine: 'v3', faults: { v2RpsError: true } },
    async run(t, { amt }) {
      expectFailure(t, await rejection(t, amt.activate({ rpsUrl: RPS, profile: 'p' })), {
        code: 10,
        codeName: 'GenericFailure',
        errorClass: 'permanent',
      })
    },
  },
  {
    title: 'LMS missing: 139 LMSConnectionFailed, permanent',
    device: { faults: { lmsMissing: true } },
    async run(t, { amt }) {
      const error = await rejection(t, amt.activate({ rpsUrl: RPS, profile: 'p', password: PASSWORD }))
      expectFailure(t, error, { code: 139, codeName: 'LMSConnectionFailed', errorClass: 'permanent' })
      t.regex(error.message, /install LMS/)
    },
  },
  {
    title: 'activation failure code: 102 ActivationFailed, permanent',
    device: { faults: { activationFails: 102 } },
    async run(t, { amt }) {
      expectFailure(t, await rejection(t, amt.activate({ rpsUrl: RPS, profile: 'p' })), {
        code: 102,
        codeName: 'ActivationFailed',
        errorClass: 'permanent',
      })
    },
  },
  {
    title: 'no ME on v2: even version exits 2, HECIDriverNotDetected, classified not capable',
    device: { faults: { noMe: true } },
    async run(t, { amt }) {
      const error = await rejection(t, amt.info())
      expectFailure(t, error, { code: 2, codeName: 'HECIDriverNotDetected', errorClass: 'permanent' })
      t.like(classifyCapability({ meDevice: '/dev/mei0', error }), { capable: false, sku: 'UNSPECIFIED' })
    },
  },
  {
    title: 'no ME on v3: amtinfo reports heciAvailable=false → HECIDriverNotDetected',
    device: { rpcLine: 'v3', faults: { noMe: true } },
    async run(t, { amt }) {
      expectFailure(t, await rejection(t, amt.info()), { codeName: 'HECIDriverNotDetected', errorClass: 'permanent' })
    },
  },
  {
    title: 'not capable SKU: amtinfo works, classified not capable, activate exits 111',
    device: { faults: { notCapable: true } },
    async run(t, { amt }) {
      const info = await amt.info()
      t.is(info.sku, 16384)
      t.like(classifyCapability({ meDevice: '/dev/mei0', info }), { capable: false })
      expectFailure(t, await rejection(t, amt.activate({ rpsUrl: RPS, profile: 'p' })), {
        code: 111,
        codeName: 'UnableToActivate',
      })
    },
  },
  {
    title: 'v2 amtinfo without buildNumber and uuid: read, the missing fields listed, capable by its SKU',
    device: { faults: { amtinfoOmits: ['buildNumber', 'uuid'] } },
    async run(t, { amt }) {
      const info = await amt.info()
      t.like(info, { sku: 16392, controlMode: 'PRE_PROVISIONING', buildNumber: '', uuid: '' })
      t.deepEqual(info.missingFields, ['buildNumber', 'uuid'])
      t.like(classifyCapability({ meDevice: '/dev/mei0', info }), { capable: true, sku: 'AMT' })
    },
  },
  {
    title: 'v3 amtinfo of an ACM node without a SKU: sku listed as missing, still capable',
    device: { rpcLine: 'v3', sku: null, controlMode: 'acm', ras: { remoteStatus: 'connected' } },
    async run(t, { amt }) {
      const info = await amt.info()
      t.like(info, { sku: null, controlMode: 'ACM', missingFields: ['sku'] })
      t.like(classifyCapability({ meDevice: '/dev/mei0', info }), { capable: true, sku: 'UNSPECIFIED' })
    },
  },
  {
    title: 'v2 amtinfo with an empty SKU before provisioning: capability undecidable, not "not capable"',
    device: { sku: null },
    async run(t, { amt }) {
      const info = await amt.info()
      t.like(info, { sku: null, controlMode: 'PRE_PROVISIONING', missingFields: ['sku'] })
      t.is(classifyCapability({ meDevice: '/dev/mei0', info }), null)
    },
  },
  {
    title: 'transient exit 10 "interrupted system call" on the 2nd call only',
    device: { faults: { transientOnCall: 2 } },
    async run(t, { amt }) {
      await amt.info()
      const error = await rejection(t, amt.info())
      expectFailure(t, error, { code: 10, codeName: 'GenericFailure', errorClass: 'transient' })
      t.regex(error.message, /interrupted system call/)
      t.is((await amt.info()).controlMode, 'PRE_PROVISIONING')
    },
  },
  {
    title: 'garbage on stdout: RpcBadOutput, permanent',
    device: { faults: { garbageStdout: true } },
    async run(t, { amt }) {
      expectFailure(t, await rejection(t, amt.info()), {
        code: null,
        codeName: 'RpcBadOutput',
        errorClass: 'permanent',
      })
    },
  },
  {
    title: 'hanging amtinfo: RpcTimeout at the timeout, transient',
    device: { faults: { hang: ['amtinfo'] } },
    options: ({ hangTimeoutMs }) => ({ amtinfoTimeoutMs: hangTimeoutMs, killGraceMs: 500 }),
    waitsForTimeout: true,
    async run(t, { amt }, { hangTimeoutMs }) {
      await amt.version()
      const started = performance.now()
      const error = await rejection(t, amt.info())
      const elapsed = performance.now() - started
      expectFailure(t, error, { code: null, codeName: 'RpcTimeout', errorClass: 'transient' })
      t.regex(error.message, new RegExp(`did not finish within ${hangTimeoutMs} ms`), 'the configured timeout fired')
      t.true(elapsed >= hangTimeoutMs - 20, `not before the timeout: rejected after ${Math.round(elapsed)} ms`)
    },
  },
  {
    title: 'stuck connecting: the next 2 amtinfo after activation show connecting, then connected',
    device: { faults: { stuckConnecting: 2 } },
    async run(t, { amt }) {
      await amt.activate({ rpsUrl: RPS, profile: 'p', password: PASSWORD })
      const statuses: (string | undefined)[] = []
      for (let index = 0; index < 3; index += 1) statuses.push((await amt.info()).ras?.remoteStatus)
      t.deepEqual(statuses, ['connecting', 'connecting', 'connected'])
    },
  },
  {
    title: 'remote deactivation: wrong password 23 (no secret in the message), right password deactivates',
    device: { controlMode: 'ccm', password: PASSWORD, ras: { remoteStatus: 'connected' } },
    async run(t, { amt }) {
      const wrong = await rejection(t, amt.deactivate({ rpsUrl: RPS, password: `${PASSWORD}-wrong` }))
      expectFailure(t, wrong, { code: 23, codeName: 'MissingOrIncorrectPassword', errorClass: 'permanent' })
      t.false(wrong.message.includes(`${PASSWORD}-wrong`))
      await amt.deactivate({ rpsUrl: RPS, password: PASSWORD })
      t.like(await amt.info(), { controlMode: 'PRE_PROVISIONING', ras: { remoteStatus: 'not connected' } })
    },
  },
  {
    title: 'local deactivation of CCM needs no password; a second one exits 109',
    device: { rpcLine: 'v3', controlMode: 'ccm', password: PASSWORD },
    async run(t, { amt, model }) {
      await amt.deactivate({})
      t.is((await model()).controlMode, 'pre-provisioning')
      expectFailure(t, await rejection(t, amt.deactivate({})), {
        code: 109,
        codeName: 'UnableToDeactivate',
        errorClass: 'permanent',
      })
    },
  },
]

/**
 * Registers every conformance case for one adapter. `serial`: run one at a time (real processes), except cases that
 * only wait for a timeout; those get an ava timeout above the hang's.
 */
export function runConformance(
  test: TestFn,
  adapter: string,
  create: CreateHarness,
  { serial = false, hangTimeoutMs }: { serial?: boolean; hangTimeoutMs: number },
): void {
  const settings: ConformanceSettings = { hangTimeoutMs }
  for (const testCase of CONFORMANCE_CASES) {
    const register = serial && !testCase.waitsForTimeout ? test.serial : test
    register(`${adapter}: ${testCase.title}`, async (t) => {
      if (testCase.waitsForTimeout) t.timeout(hangTimeoutMs + HANG_TEST_MARGIN_MS)
      const harness = await create(t, testCase.device, testCase.options?.(settings))
      await testCase.run(t, harness, settings)
    })
  }
}
