import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { status as Status } from '@grpc/grpc-js'
import test, { type ExecutionContext } from 'ava'
import { exportJWK } from 'jose'
import { createJwtVerifier, type JwtAuthOptions } from '../../../manager/grpc/auth.ts'
import { seedHost } from '../../helpers/manager-core.ts'
import {
  agentRole,
  HOST,
  newSigningKey,
  PASSWORD,
  signToken,
  startBridge,
  TENANT_A,
  TENANT_B,
  type TokenClaims,
} from './harness.ts'

/** Caller identity (reference/southbound-grpc.md): JWT verification, tenant from activeprojectid or roles, allowed roles. */
const KEY = { tenantId: TENANT_A, hostId: HOST }

async function setup(t: ExecutionContext, auth?: (publicKeyPem: string) => Promise<JwtAuthOptions>) {
  const key = newSigningKey()
  const harness = await startBridge(t, {
    auth: auth ? await auth(key.publicKeyPem) : { publicKeyPem: key.publicKeyPem },
  })
  const seeded = await seedHost(
    harness.inventory,
    HOST,
    [{ currentState: 'UNPROVISIONED' }, { desiredState: 'PROVISIONED' }],
    TENANT_A,
  )
  harness.passwords.set(KEY, PASSWORD)
  const retrieve = (headers: Record<string, string | string[]>) =>
    harness.client.call('RetrieveActivationDetails', { host_id: HOST }, headers)
  const withToken = async (claims: TokenClaims, extra: Record<string, string | string[]> = {}) =>
    retrieve({ authorization: `Bearer ${await signToken(key, claims)}`, ...extra })
  return { ...harness, key, seeded, retrieve, withToken }
}

test('a valid agent token of the host tenant → OK', async (t) => {
  const { withToken } = await setup(t)
  const result = await withToken({ roles: ['rs-access-r', agentRole(TENANT_A), `${TENANT_A}_cat-r`] })
  t.is(result.code, Status.OK)
  t.like(result.response, { operation: 'ACTIVATE', action_password: PASSWORD })
})

const UNAUTHENTICATED: Array<
  [string, (s: Awaited<ReturnType<typeof setup>>) => Promise<{ code: Status; details: string }>]
> = [
  ['no authorization metadata', (s) => s.retrieve({})],
  [
    'not a Bearer token',
    async (s) => s.retrieve({ authorization: `Basic ${Buffer.from('agent:secret').toString('base64')}` }),
  ],
  ['a malformed JWT', (s) => s.retrieve({ authorization: 'Bearer not.a.jwt' })],
  [
    'a bad signature (another key)',
    (s) =>
      s.withToken({ roles: [agentRole(TENANT_A)], key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }),
  ],
  ['an expired token', (s) => s.withToken({ roles: [agentRole(TENANT_A)], expiresIn: -3600 })],
  [
    'alg none',
    async (s) => {
      const body = Buffer.from(
        JSON.stringify({ realm_access: { roles: [agentRole(TENANT_A)] }, exp: Math.floor(Date.now() / 1000) + 300 }),
      ).toString('base64url')
      return s.retrieve({ authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.` })
    },
  ],
  [
    'no tenant: no activeprojectid and no <uuid>_en-agent-rw role',
    (s) => s.withToken({ roles: ['rs-access-r', `${TENANT_A}_en-ob`, 'not-a-uuid_en-agent-rw'] }),
  ],
  ['two tenants in the roles', (s) => s.withToken({ roles: [agentRole(TENANT_A), agentRole(TENANT_B)] })],
  [
    'two activeprojectid values',
    (s) =>
      s.withToken({ roles: [agentRole(TENANT_A), agentRole(TENANT_B)] }, { activeprojectid: [TENANT_A, TENANT_B] }),
  ],
]
for (const [name, call] of UNAUTHENTICATED) {
  test(`${name} → UNAUTHENTICATED, no password read`, async (t) => {
    const setupResult = await setup(t)
    const result = await call(setupResult)
    t.is(result.code, Status.UNAUTHENTICATED, result.details)
    t.is(setupResult.passwords.requests.length, 0)
  })
}

test('wrong role: the tenant is known but the token has neither <tenant>_en-agent-rw nor <tenant>_en-ob → PERMISSION_DENIED', async (t) => {
  const { withToken } = await setup(t)
  const onlyOtherRoles = await withToken(
    { roles: [`${TENANT_A}_im-rw`, `${TENANT_A}_en-agent-r`] },
    { activeprojectid: TENANT_A },
  )
  t.is(onlyOtherRoles.code, Status.PERMISSION_DENIED)
  t.regex(onlyOtherRoles.details, /en-agent-rw or .*en-ob/)
  const otherTenantsRole = await withToken({ roles: [agentRole(TENANT_B)] }, { activeprojectid: TENANT_A })
  t.is(otherTenantsRole.code, Status.PERMISSION_DENIED)
})

test('activeprojectid (a UUID) names the tenant: <tenant>_en-ob suffices; it picks one of several projects', async (t) => {
  const { withToken } = await setup(t)
  t.is((await withToken({ roles: [`${TENANT_A}_en-ob`] }, { activeprojectid: TENANT_A })).code, Status.OK)
  t.is(
    (
      await withToken(
        { roles: [agentRole(TENANT_A), agentRole(TENANT_B)] },
        { activeprojectid: TENANT_A.toUpperCase() },
      )
    ).code,
    Status.OK,
  )
  t.is(
    (await withToken({ roles: [agentRole(TENANT_A), agentRole(TENANT_B)] }, { activeprojectid: TENANT_B })).code,
    Status.NOT_FOUND,
    'tenant B has no such host',
  )
})

test('an activeprojectid that is not a UUID is ignored (tenant from the role)', async (t) => {
  const { withToken } = await setup(t)
  t.is((await withToken({ roles: [agentRole(TENANT_A)] }, { activeprojectid: 'default' })).code, Status.OK)
  t.is((await withToken({ roles: [`${TENANT_A}_en-ob`] }, { activeprojectid: 'default' })).code, Status.UNAUTHENTICATED)
})

test('issuer and audience are checked when configured', async (t) => {
  const { withToken } = await setup(t, (publicKeyPem) =>
    Promise.resolve({ publicKeyPem, issuer: 'https://keycloak.example/realms/master', audience: 'dm-manager' }),
  )
  const roles = [agentRole(TENANT_A)]
  t.is(
    (await withToken({ roles, issuer: 'https://keycloak.example/realms/master', audience: 'dm-manager' })).code,
    Status.OK,
  )
  t.is(
    (await withToken({ roles, issuer: 'https://evil.example', audience: 'dm-manager' })).code,
    Status.UNAUTHENTICATED,
  )
  t.is(
    (await withToken({ roles, issuer: 'https://keycloak.example/realms/master', audience: 'other' })).code,
    Status.UNAUTHENTICATED,
  )
  const missing = await withToken({ roles })
  t.is(missing.code, Status.UNAUTHENTICATED)
  t.regex(missing.details, /^invalid token: ERR_JWT_CLAIM_VALIDATION_FAILED$/)
})

test('key sources: a public key file and a JWKS file (kid selects the key; unknown kid → UNAUTHENTICATED)', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'grpc-auth-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const signer = newSigningKey()
  const pemFile = path.join(dir, 'key.pem')
  await writeFile(pemFile, signer.publicKeyPem)
  const fromFile = await createJwtVerifier({ publicKeyFile: pemFile })
  t.like(await fromFile.verify(await signToken(signer, { roles: ['r'] })), { realm_access: { roles: ['r'] } })

  const jwksFile = path.join(dir, 'jwks.json')
  const jwk = await exportJWK(signer.privateKey)
  const { d: _private, ...publicJwk } = jwk
  await writeFile(jwksFile, JSON.stringify({ keys: [{ ...publicJwk, kid: 'k1', alg: 'ES256', use: 'sig' }] }))
  const fromJwks = await createJwtVerifier({ jwksFile })
  t.like(await fromJwks.verify(await signToken(signer, { roles: ['r'], kid: 'k1' })), { sub: 'edge-node-m2m' })
  await t.throwsAsync(fromJwks.verify(await signToken(signer, { roles: ['r'], kid: 'k2' })))

  const { withToken } = await setup(t, () => Promise.resolve({ jwksFile }))
  t.is((await withToken({ roles: [agentRole(TENANT_A)], key: signer.privateKey, kid: 'k1' })).code, Status.OK)
  t.is(
    (await withToken({ roles: [agentRole(TENANT_A)], key: signer.privateKey, kid: 'k2' })).code,
    Status.UNAUTHENTICATED,
  )
})

test('configuration errors are thrown at start: no key source, two key sources, a file that is not a JWKS', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'grpc-auth-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const notJwks = path.join(dir, 'x.json')
  await writeFile(notJwks, '{"keys": []}')
  await t.throwsAsync(createJwtVerifier({}), { message: /exactly one/ })
  await t.throwsAsync(createJwtVerifier({ publicKeyPem: newSigningKey().publicKeyPem, jwksFile: notJwks }), {
    message: /exactly one/,
  })
  await t.throwsAsync(createJwtVerifier({ jwksFile: notJwks }), { message: /not a JWKS/ })
})

test('a verified token is remembered for speed but still expires; a cache never holds a token that failed', async (t) => {
  const signer = newSigningKey()
  let clock = new Date()
  const verifier = await createJwtVerifier({
    publicKeyPem: signer.publicKeyPem,
    clockToleranceSec: 0,
    now: () => clock,
  })
  const token = await signToken(signer, { roles: ['r'], expiresIn: 60 })
  t.like(await verifier.verify(token), { realm_access: { roles: ['r'] } })
  t.like(await verifier.verify(token), { realm_access: { roles: ['r'] } }, 'from the cache')
  clock = new Date(clock.getTime() + 61_000)
  await t.throwsAsync(verifier.verify(token), { code: 'ERR_JWT_EXPIRED' })
  const forged = await signToken(newSigningKey(), { roles: ['r'] })
  await t.throwsAsync(verifier.verify(forged))
  await t.throwsAsync(verifier.verify(forged))
})
