import { writeFile } from 'node:fs/promises'
import test from 'ava'
import { AmtError } from '../../../agent/amt/port.ts'
import { createRpcCliAmt } from '../../../agent/amt/rpc-cli.ts'
import { silentLogger } from '../../../lib/log.ts'
import { runConformance } from './amt-conformance.ts'
import { HANG_TEST_TIMEOUT_MS, HANG_TIMEOUT_MS } from '../../fixtures/rpc-emulator/timing.ts'
import { createEmulatorHarness, processExists, startedArgv, waitForStart } from './emulator-harness.ts'

// Real processes (the emulator starts through tsx): one test at a time keeps timings honest on small machines. A
// hanging rpc gets a timeout far above the emulator's cold start (see timing.ts); those tests only wait, alongside.
runConformance(test, 'rpc-cli', async (t, device, options) => createEmulatorHarness(t, device, options), {
  serial: true,
  hangTimeoutMs: HANG_TIMEOUT_MS,
})

const RPS = 'wss://rps.example.com/activate'
const PASSWORD = 'Sup3r-Secret!pw'
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.jwt-for-rps.sig'

test.serial('v2 activate: argv holds no secret; password and profile reach rpc through the environment', async (t) => {
  const h = await createEmulatorHarness(t, {}, { env: { ...process.env, AMT_PASSWORD: 'inherited-must-not-leak' } })
  await h.amt.activate({
    rpsUrl: RPS,
    profile: 'ccm-profile',
    password: PASSWORD,
    skipCertCheck: true,
    tenant: 'tenant-1',
    dnsSuffix: 'vpro.example.com',
  })
  const calls = await h.calls()
  t.deepEqual(startedArgv(calls), [
    ['version', '--json'],
    ['activate', '-u', RPS, '-json', '-n', '-tenant', 'tenant-1', '-d', 'vpro.example.com'],
  ])
  const activate = calls.find((call) => call.event === 'start' && call.argv[0] === 'activate')
  t.like(activate, { env: ['AMT_PASSWORD', 'PROFILE'] })
  const version = calls.find((call) => call.event === 'start' && call.argv[0] === 'version')
  t.like(version, { env: [] }, "the agent environment's AMT_PASSWORD is not inherited")
  t.is((await h.model()).password, PASSWORD, 'the password rpc used came from env AMT_PASSWORD')
  t.false(h.logText().includes(PASSWORD))
  t.true(h.logs().some((line) => line.msg === 'rpc finished' && line.command === 'activate' && line.exitCode === 0))
})

test.serial('v3 argv shapes: --json, --profile, --skip-cert-check; token and password via env only', async (t) => {
  const h = await createEmulatorHarness(t, { rpcLine: 'v3' })
  await h.amt.info()
  await h.amt.activate({
    rpsUrl: RPS,
    profile: 'acm-profile',
    password: PASSWORD,
    token: TOKEN,
    skipCertCheck: true,
    tenant: 't1',
    friendlyName: 'node 1',
  })
  await h.amt.deactivate({ rpsUrl: RPS, password: PASSWORD })
  const calls = await h.calls()
  t.deepEqual(startedArgv(calls), [
    ['version', '--json'],
    ['amtinfo', '--json'],
    [
      'activate',
      '-u',
      RPS,
      '--profile',
      'acm-profile',
      '--json',
      '--skip-cert-check',
      '--tenantid',
      't1',
      '--name',
      'node 1',
    ],
    ['deactivate', '-u', RPS, '--json'],
  ])
  t.like(
    calls.find((call) => call.event === 'start' && call.argv[0] === 'activate'),
    { env: ['AMT_PASSWORD', 'AUTH_TOKEN'] },
  )
  const text = JSON.stringify(calls) + h.logText()
  t.false(text.includes(PASSWORD))
  t.false(text.includes(TOKEN))
})

test.serial('v2 deactivation argv: remote -u with the password in env, local -local', async (t) => {
  const h = await createEmulatorHarness(t, { controlMode: 'ccm', password: PASSWORD })
  await h.amt.deactivate({ rpsUrl: RPS, password: PASSWORD })
  const model = await h.model()
  await writeFile(h.devicePath, JSON.stringify({ ...model, controlMode: 'ccm' }))
  await h.amt.deactivate({})
  const calls = await h.calls()
  t.deepEqual(startedArgv(calls).slice(1), [
    ['deactivate', '-u', RPS, '-json'],
    ['deactivate', '-local', '-json'],
  ])
  t.like(calls.filter((call) => call.event === 'start')[1], { env: ['AMT_PASSWORD'] })
  t.like(calls.filter((call) => call.event === 'start')[2], { env: [] })
})

test('hang: the rpc process is killed at the timeout, after it was up and hanging, and is really gone', async (t) => {
  t.timeout(HANG_TEST_TIMEOUT_MS)
  const options = { operationTimeoutMs: HANG_TIMEOUT_MS, killGraceMs: 500 }
  const h = await createEmulatorHarness(t, { faults: { hang: ['activate'] } }, options)
  await h.amt.version()
  const called = performance.now()
  const failure = t.throwsAsync(h.amt.activate({ rpsUrl: RPS, profile: 'p' }), { instanceOf: AmtError })
  const started = await waitForStart(h, 'activate')
  const error = await failure
  t.is(error?.codeName, 'RpcTimeout')
  t.true(performance.now() - called >= HANG_TIMEOUT_MS - 20, 'not killed before the timeout')
  const killed = h.logs().find((line) => line.msg === 'rpc timed out and was killed')
  t.is(killed?.childPid, started.pid, 'the process killed is the emulator that was up and hanging')
  t.false(processExists(started.pid))
  t.false(
    (await h.calls()).some((call) => call.event === 'end' && call.pid === started.pid),
    'it never finished',
  )
})

test('hang ignoring SIGTERM: SIGKILL after the grace period ends it', async (t) => {
  t.timeout(HANG_TEST_TIMEOUT_MS)
  const options = { amtinfoTimeoutMs: HANG_TIMEOUT_MS, killGraceMs: 300 }
  const h = await createEmulatorHarness(t, { faults: { hang: ['amtinfo'], hangIgnoresSigterm: true } }, options)
  await h.amt.version()
  const message = new RegExp(`did not finish within ${HANG_TIMEOUT_MS} ms`)
  const failure = t.throwsAsync(h.amt.info(), { instanceOf: AmtError, message })
  const started = await waitForStart(h, 'amtinfo')
  await failure
  const killed = h.logs().find((line) => line.msg === 'rpc timed out and was killed')
  t.like(killed, { forced: true, childPid: started.pid })
  t.false(processExists(started.pid))
})

test.serial('stop(): a running rpc is killed and the call fails with RpcStopped', async (t) => {
  const h = await createEmulatorHarness(t, { faults: { hang: ['activate'] } }, { killGraceMs: 300 })
  await h.amt.version()
  const pending = h.amt.activate({ rpsUrl: RPS, profile: 'p' })
  const started = await waitForStart(h, 'activate')
  await h.amt.stop()
  await t.throwsAsync(pending, { instanceOf: AmtError, message: /stopped/ })
  t.false(processExists(started.pid))
})

test.serial('one rpc at a time: concurrent calls never overlap', async (t) => {
  const h = await createEmulatorHarness(t, { latencyMs: 250 })
  await Promise.all([h.amt.info(), h.amt.info(), h.amt.deactivate({}).catch(() => undefined), h.amt.info()])
  const calls = await h.calls()
  t.is(calls.length, 10)
  const spans = calls
    .filter((call) => call.event === 'start')
    .map((start) => ({
      start: start.t,
      end: calls.find((call) => call.event === 'end' && call.pid === start.pid)?.t ?? Infinity,
    }))
    .sort((a, b) => a.start - b.start)
  for (let index = 1; index < spans.length; index += 1) {
    t.true(
      (spans[index]?.start ?? 0) >= (spans[index - 1]?.end ?? Infinity),
      `call ${index} started after call ${index - 1} ended`,
    )
  }
})

test('rpc binary missing: RpcNotFound, permanent', async (t) => {
  const amt = createRpcCliAmt({ path: '/nonexistent/rpc', log: silentLogger() })
  const error = await t.throwsAsync(amt.version(), { instanceOf: AmtError })
  t.like(error, { code: null, codeName: 'RpcNotFound', errorClass: 'permanent' })
})

test('stop: queued calls fail with RpcStopped without starting rpc', async (t) => {
  const amt = createRpcCliAmt({ path: '/nonexistent/rpc', log: silentLogger() })
  await amt.stop()
  await t.throwsAsync(amt.info(), { instanceOf: AmtError, message: /stopped/ })
})
