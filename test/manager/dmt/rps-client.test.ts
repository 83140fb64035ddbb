import test from 'ava'
import { DmtError } from '../../../manager/dmt/errors.ts'
import { ciraConfigFor, profileFor } from '../../../manager/dmt/rps-objects.ts'
import { rpsConformance, rpsVersionConformance } from '../../conformance/rps.ts'
import { rpsClientOf, startFakeRps } from './dmt-harness.ts'

rpsConformance('RPS client over the fake RPS', async (t) => rpsClientOf((await startFakeRps(t)).url))
rpsVersionConformance('RPS client over the fake RPS', async (t) => rpsClientOf((await startFakeRps(t)).url))

const cira = ciraConfigFor('acme', { publicAddress: 'mps.example.com', port: 4433, username: 'admin' }, 'Q0VSVA')
const SECRET = 'Secret-Pw-42!'

test('5xx answers are retried with backoff; the call converges once RPS recovers', async (t) => {
  const fake = await startFakeRps(t)
  const rps = rpsClientOf(fake.url)
  fake.server.failNext(2, 503)
  t.like(await rps.createCiraConfig(cira), { configName: 'acme' })
  t.deepEqual(
    fake.server.requests.map(({ method, status }) => `${method} ${status}`),
    ['POST 503', 'POST 503', 'POST 201'],
  )
})

test('5xx beyond the retries is RPS_UNAVAILABLE with the status, never echoing the body sent', async (t) => {
  const fake = await startFakeRps(t)
  const rps = rpsClientOf(fake.url)
  fake.server.failNext(3, 500)
  const error = await t.throwsAsync(rps.createProfile(profileFor('acme_ccm', 'CCM', 'acme', { password: SECRET })), {
    instanceOf: DmtError,
  })
  t.is(error.code, 'RPS_UNAVAILABLE')
  t.regex(error.message, /^RPS unavailable: POST \/api\/v1\/admin\/profiles: answered 500/)
  t.false(error.message.includes(SECRET))
  t.is(fake.server.requests.length, 3)
})

test('a refused connection is RPS_UNAVAILABLE; the same client works once RPS is up again', async (t) => {
  const fake = await startFakeRps(t)
  const rps = rpsClientOf(fake.url)
  t.is(await rps.getProfile('acme_ccm'), null)
  await fake.server.down()
  const error = await t.throwsAsync(rps.getProfile('acme_ccm'), { instanceOf: DmtError })
  t.is(error.code, 'RPS_UNAVAILABLE')
  t.regex(error.message, /connection refused/)
  await fake.server.up()
  t.is(await rps.getProfile('acme_ccm'), null)
})

test('a slow RPS times out per attempt (RPS_UNAVAILABLE), then answers when fast again', async (t) => {
  const fake = await startFakeRps(t)
  const rps = rpsClientOf(fake.url, { timeoutMs: 100, retry: { attempts: 2, baseMs: 1, maxMs: 2 } })
  fake.server.slowMs = 60_000
  const error = await t.throwsAsync(rps.listProfiles(), { instanceOf: DmtError })
  t.is(error.code, 'RPS_UNAVAILABLE')
  t.regex(error.message, /no answer within 100 ms/)
  fake.server.slowMs = 0
  // A client holds no state between calls; this one's 100 ms per attempt would race a loaded machine.
  t.deepEqual(await rpsClientOf(fake.url).listProfiles(), [])
})

test('4xx is not retried', async (t) => {
  const fake = await startFakeRps(t)
  const rps = rpsClientOf(fake.url)
  await t.throwsAsync(rps.createCiraConfig({ ...cira, mpsPort: 80 }), {
    instanceOf: DmtError,
    message: /RPS rejected POST .*\(400\): mpsPort: MPS Port/,
  })
  t.is(fake.server.requests.length, 1)
})

test('the bearer token is sent, and names are path-encoded', async (t) => {
  const fake = await startFakeRps(t)
  const rps = rpsClientOf(fake.url, { token: 'jwt-token' })
  t.is(await rps.getProfile('h1@acme_ccm'), null)
  t.like(fake.server.requests[0], {
    method: 'GET',
    path: '/api/v1/admin/profiles/h1%40acme_ccm',
    authorization: 'Bearer jwt-token',
    status: 404,
  })
})
