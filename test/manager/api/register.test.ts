import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { Writable } from 'node:stream'
import test from 'ava'
import { decodeHash, verifyPasswordHash } from '../../../broker/auth/password-hash.ts'
import { seed, startApi } from './api-harness.ts'

/** A log destination that keeps every line. */
function logSink(): { stream: Writable; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'))
      done()
    },
  })
  return { stream, text: () => chunks.join('') }
}

test('registering a host returns its MQTT password once and stores only a keyed hash of it', async (t) => {
  const logs = logSink()
  const api = await startApi(t, { logDestination: logs.stream })
  await seed(api.inventory, { acme: [] })
  const token = await api.token('operator', 'acme')
  const answer = await api.request('POST', '/api/v1/tenants/acme/hosts', {
    token,
    body: { hostId: 'node-1', name: 'Node one', controlMode: 'ACM', dnsSuffix: 'corp.example' },
  })
  t.is(answer.status, 201)
  t.is(answer.headers.get('cache-control'), 'no-store')
  const { host, mqtt } = answer.json as unknown as {
    host: Record<string, unknown>
    mqtt: { username: string; password: string; url: string }
  }
  t.like(host, {
    tenantId: 'acme',
    hostId: 'node-1',
    name: 'Node one',
    controlMode: 'ACM',
    dnsSuffix: 'corp.example',
    desiredState: 'UNSPECIFIED',
    desiredGeneration: 0,
  })
  t.is(mqtt.username, 'node-1@acme')
  t.is(mqtt.url, 'mqtt://127.0.0.1:1883')
  t.true(mqtt.password.length >= 32)

  const stored = await api.inventory.getCredentialByUsername('node-1@acme')
  t.like(stored, { tenantId: 'acme', hostId: 'node-1' })
  const hash = decodeHash(stored?.passwordHash ?? '')
  t.is(hash?.scheme, 'hmac-sha256', 'a keyed digest: the password is 192 random bits')
  t.true(hash !== null && (await verifyPasswordHash(hash, mqtt.password)))

  // Never again: not in the host, not in listings, not in the audit, not in the database files, not in the log.
  const again = await api.request('GET', '/api/v1/tenants/acme/hosts/node-1', { token })
  const listing = await api.request('GET', '/api/v1/tenants/acme/hosts', { token })
  const events = await api.request('GET', '/api/v1/tenants/acme/hosts/node-1/events', { token })
  for (const text of [again.text, listing.text, events.text]) t.false(text.includes(mqtt.password))
  t.like((events.json.events as unknown[])[0], { kind: 'host.registered', actor: 'api:operator-acme-1' })
  await api.inventory.close()
  for (const file of await readdir(api.dir)) {
    const bytes = await readFile(path.join(api.dir, file))
    t.false(bytes.includes(Buffer.from(mqtt.password)), `${file} holds no plaintext password`)
    t.false(bytes.includes(Buffer.from(token)), `${file} holds no plaintext token`)
  }
  t.true(logs.text().includes('host registered'), 'the API logs')
  t.false(logs.text().includes(mqtt.password), 'the password is never logged')
  t.false(logs.text().includes(token), 'the token is never logged')
})

test('registering twice answers 409 HOST_EXISTS and keeps the first credential', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: [] })
  const token = await api.token('operator', 'acme')
  const first = await api.request('POST', '/api/v1/tenants/acme/hosts', { token, body: { hostId: 'node-1' } })
  const before = await api.inventory.getCredentialByUsername('node-1@acme')
  const second = await api.request('POST', '/api/v1/tenants/acme/hosts', { token, body: { hostId: 'node-1' } })
  t.is(first.status, 201)
  t.is(second.status, 409)
  t.is(second.json.code, 'HOST_EXISTS')
  t.deepEqual(await api.inventory.getCredentialByUsername('node-1@acme'), before)
})

test('the same host id in two tenants gets two distinct usernames', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { a: [], b: [] })
  const token = await api.token('operator', '*')
  const inA = await api.request('POST', '/api/v1/tenants/a/hosts', { token, body: { hostId: 'same' } })
  const inB = await api.request('POST', '/api/v1/tenants/b/hosts', { token, body: { hostId: 'same' } })
  t.deepEqual([inA.status, inB.status], [201, 201])
  t.deepEqual(
    [(inA.json.mqtt as { username: string }).username, (inB.json.mqtt as { username: string }).username],
    ['same@a', 'same@b'],
  )
})

test('registering in a missing tenant answers 404 and creates nothing; a bad host id is a validation error', async (t) => {
  const api = await startApi(t)
  const token = await api.token('admin', '*')
  const missing = await api.request('POST', '/api/v1/tenants/ghost/hosts', { token, body: { hostId: 'node-1' } })
  t.is(missing.json.code, 'TENANT_NOT_FOUND')
  t.is(await api.inventory.getCredentialByUsername('node-1@ghost'), null)
  await seed(api.inventory, { acme: [] })
  const invalid = await api.request('POST', '/api/v1/tenants/acme/hosts', { token, body: { hostId: 'a/b' } })
  t.is(invalid.status, 400)
  t.is(invalid.json.code, 'VALIDATION_FAILED')
  t.like((invalid.json.details as { issues: unknown[] }).issues[0], { in: 'body', path: '/hostId' })
})

test('a firmware placeholder UUID is refused as hostId with 400 and the reason, in any case; nothing is stored', async (t) => {
  const api = await startApi(t)
  await seed(api.inventory, { acme: [] })
  const token = await api.token('operator', 'acme')
  for (const hostId of [
    '00000000-0000-0000-0000-000000000000',
    'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
    '03000200-0400-0500-0006-000700080009',
  ]) {
    const refused = await api.request('POST', '/api/v1/tenants/acme/hosts', { token, body: { hostId } })
    t.is(refused.status, 400, hostId)
    t.is(refused.json.code, 'VALIDATION_FAILED')
    t.regex(
      String(refused.json.message),
      new RegExp(`/hostId ${hostId} is a firmware placeholder UUID shared by many machines`),
    )
    t.like((refused.json.details as { issues: unknown[] }).issues[0], { in: 'body', path: '/hostId' })
    t.is(await api.inventory.findHost({ tenantId: 'acme', hostId }), null)
  }
  const real = await api.request('POST', '/api/v1/tenants/acme/hosts', {
    token,
    body: { hostId: '4C4C4544-005A-3510-8047-B4C04F564433' },
  })
  t.is(real.status, 201)
})
