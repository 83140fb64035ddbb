import test from 'ava'
import { createDeviceModel } from '../../../agent/amt/device-model.ts'
import { AmtError } from '../../../agent/amt/port.ts'
import { createSimulatedAmt } from '../../../agent/amt/simulated.ts'
import { runConformance } from './amt-conformance.ts'

runConformance(
  test,
  'simulated',
  (t, device, options = {}) => {
    const amt = createSimulatedAmt(createDeviceModel(device), {
      ...(options.amtinfoTimeoutMs ? { amtinfoTimeoutMs: options.amtinfoTimeoutMs } : {}),
      ...(options.operationTimeoutMs ? { operationTimeoutMs: options.operationTimeoutMs } : {}),
    })
    t.teardown(() => amt.stop())
    return Promise.resolve({ amt, model: () => Promise.resolve(amt.model()) })
  },
  { hangTimeoutMs: 2_500 },
) // in process: no child process, no cold start to outwait

test('one call at a time: a queued call enters the device only after the previous one finished', async (t) => {
  const entered: number[] = []
  const amt = createSimulatedAmt(createDeviceModel(), {
    latencyMs: () => {
      entered.push(performance.now())
      return 30
    },
  })
  await Promise.all([amt.info(), amt.info(), amt.deactivate({}).catch(() => undefined), amt.info()])
  t.is(entered.length, 5, 'version + 4 calls')
  for (let index = 1; index < entered.length; index += 1) {
    t.true((entered[index] ?? 0) - (entered[index - 1] ?? 0) >= 29, `call ${index} waited for call ${index - 1}`)
  }
  t.is(amt.model().counters.calls, 4)
})

test('a hang with an infinite timeout never settles until stop(), which rejects with RpcStopped', async (t) => {
  const amt = createSimulatedAmt(createDeviceModel({ faults: { hang: ['activate'] } }), {
    operationTimeoutMs: Infinity,
  })
  await amt.version()
  const pending = amt.activate({ rpsUrl: 'wss://rps.example.com/activate', profile: 'p' })
  const queued = amt.info()
  await new Promise((resolve) => setTimeout(resolve, 50))
  await amt.stop()
  await t.throwsAsync(pending, { instanceOf: AmtError, message: /stopped/ })
  await t.throwsAsync(queued, { instanceOf: AmtError, message: /stopped/ })
})

test('ten thousand simulated devices in one process are cheap', async (t) => {
  const started = performance.now()
  const fleet = Array.from({ length: 10_000 }, (_, index) =>
    createSimulatedAmt(createDeviceModel({ uuid: `uuid-${index}` })),
  )
  const infos = await Promise.all(fleet.map((amt) => amt.info()))
  t.is(infos.length, 10_000)
  t.true(infos.every((info) => info.controlMode === 'PRE_PROVISIONING'))
  t.true(performance.now() - started < 20_000, 'under 20 s even on a busy 2-core machine')
})

test('setModel injects a fault mid-run; onChange sees every device change', async (t) => {
  const changes: string[] = []
  const amt = createSimulatedAmt(createDeviceModel(), { onChange: (model) => changes.push(model.controlMode) })
  await amt.activate({ rpsUrl: 'wss://rps.example.com/activate', profile: 'p', password: 'pw-123456' })
  amt.setModel({ ...amt.model(), faults: { garbageStdout: true } })
  await t.throwsAsync(amt.info(), { instanceOf: AmtError, message: /unexpected output/ })
  t.deepEqual(changes, ['ccm', 'ccm'])
})

test('activationFailDelayMs: a failing activation exits with its code only after the delay', async (t) => {
  const amt = createSimulatedAmt(createDeviceModel({ faults: { activationFails: 102, activationFailDelayMs: 300 } }))
  t.teardown(() => amt.stop())
  const started = performance.now()
  const err = await t.throwsAsync(amt.activate({ rpsUrl: 'wss://rps.example.com/activate', profile: 'p' }))
  t.true(err instanceof AmtError && err.code === 102)
  t.true(performance.now() - started >= 290, 'not before the delay')
  t.like(amt.model(), { controlMode: 'pre-provisioning' })
})
