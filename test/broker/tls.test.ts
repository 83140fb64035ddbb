import anyTest, { type ExecutionContext, type TestFn } from 'ava'
import { deviceUri } from '../../broker/auth/certificate-identity.ts'
import { agentClientId } from '../../schemas/principals.ts'
import { buildTopic } from '../../schemas/topics.ts'
import { startTestBroker, type TestBroker } from '../helpers/broker.ts'
import { createTestPki, type KeyPair, type TestCa, type TestPki } from '../helpers/certs.ts'
import { contractPayload } from './support/contract-payloads.ts'
import { connectClient, publishOutcome, refusedConnect, subscribeCodes } from './support/mqtt-clients.ts'

/** Certificates are made once per file (openssl is the slow part) and shared by the tests. */
interface Pki {
  pki: TestPki
  ca: TestCa
  server: KeyPair
  /** urn:amt:t1:h1, signed by the broker's CA. */
  device: KeyPair
  /** Same URI, signed by a CA the broker does not know. */
  strangerDevice: KeyPair
  /** Signed by the broker's CA, but without a device URI. */
  anonymous: KeyPair
  strangerCa: TestCa
}
const test = anyTest as TestFn<Pki>

test.before(async (t) => {
  const pki = await createTestPki()
  const [ca, strangerCa] = await Promise.all([pki.createCa('test-ca'), pki.createCa('stranger-ca')])
  const uri = deviceUri({ tenantId: 't1', hostId: 'h1' })
  const [server, device, anonymous, strangerDevice] = await Promise.all([
    ca.issueServer(),
    ca.issueClient('h1 of t1', uri),
    ca.issueClient('no device uri'),
    strangerCa.issueClient('h1 of t1', uri),
  ])
  t.context = { pki, ca, server, device, strangerDevice, anonymous, strangerCa }
})

test.after.always(async (t) => {
  await t.context.pki.remove()
})

/** Broker with TCP and TLS (client certificates requested, trusted when signed by the test CA). */
async function tlsBroker(t: ExecutionContext<Pki>): Promise<{ broker: TestBroker; tlsUrl: string }> {
  const { server, ca } = t.context
  const broker = await startTestBroker(t, {
    listeners: {
      tcp: { host: '127.0.0.1', port: 0 },
      tls: {
        host: '127.0.0.1',
        port: 0,
        certFile: server.certFile,
        keyFile: server.keyFile,
        caFile: ca.certFile,
        requestClientCert: true,
      },
    },
  })
  return { broker, tlsUrl: `mqtts://127.0.0.1:${broker.broker.tlsPort ?? 0}` }
}

const clientTls = (ca: TestCa, identity?: KeyPair) => ({
  ca: ca.cert,
  rejectUnauthorized: true,
  ...(identity && { cert: identity.cert, key: identity.key }),
})
/** The client id of the certificate's device (t1/h1): a certificate login is that device's agent. */
const H1_AGENT = { clientId: agentClientId({ tenantId: 't1', hostId: 'h1' }) }

test('TLS with username and password', async (t) => {
  const { broker, tlsUrl } = await tlsBroker(t)
  const device = await broker.addDevice('t1', 'h1')
  const client = await connectClient(t, tlsUrl, device, clientTls(t.context.ca))
  t.deepEqual(await subscribeCodes(client, [buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'desired' })]), [1])
  t.is(await refusedConnect(tlsUrl, { ...device, password: 'wrong' }, clientTls(t.context.ca)), 4)
})

test('mTLS: the certificate identifies a device, scoped to its own tenant and host', async (t) => {
  const { broker, tlsUrl } = await tlsBroker(t)
  const observer = await connectClient(t, broker.url, await broker.addManager())
  await subscribeCodes(observer, ['amt/v1/#'])

  const device = await connectClient(t, tlsUrl, {}, { ...clientTls(t.context.ca, t.context.device), ...H1_AGENT })
  const own = buildTopic({ tenantId: 't1', hostId: 'h1', leaf: 'state' })
  t.is(await publishOutcome(device, observer, own, contractPayload(own, 'own state')), 'delivered')
  const desired = (hostId: string) => buildTopic({ tenantId: 't1', hostId, leaf: 'desired' })
  t.deepEqual(await subscribeCodes(device, [desired('h1'), desired('h2')]), [1, 128])
  const other = buildTopic({ tenantId: 't1', hostId: 'h2', leaf: 'state' })
  t.is(await publishOutcome(device, observer, other, 'forged state'), 'connection closed')
  t.deepEqual(broker.broker.stats().publishDenied, { 'out-of-scope': 1 })
})

test('mTLS: a certificate wins over a username, even a manager one', async (t) => {
  const { broker, tlsUrl } = await tlsBroker(t)
  const client = await connectClient(t, tlsUrl, await broker.addManager(), {
    ...clientTls(t.context.ca, t.context.device),
    ...H1_AGENT,
  })
  t.deepEqual(await subscribeCodes(client, ['amt/v1/#']), [128])
})

test('mTLS: certificates from an unknown CA or without a device URI are refused', async (t) => {
  const { broker, tlsUrl } = await tlsBroker(t)
  const device = await broker.addDevice('t1', 'h1')
  // A valid password does not rescue a connection that presents an untrusted certificate.
  t.is(await refusedConnect(tlsUrl, device, clientTls(t.context.ca, t.context.strangerDevice)), 5)
  t.is(await refusedConnect(tlsUrl, {}, clientTls(t.context.ca, t.context.anonymous)), 5)
  t.deepEqual(broker.broker.stats().connectionsRefused, { 'certificate-untrusted': 1, 'certificate-unmapped': 1 })
})

test('a client that does not trust the server certificate does not connect; the broker keeps serving', async (t) => {
  const { broker, tlsUrl } = await tlsBroker(t)
  const manager = await broker.addManager()
  t.regex(String(await refusedConnect(tlsUrl, manager, clientTls(t.context.strangerCa))), /certificate/i)
  t.true((await connectClient(t, tlsUrl, manager, clientTls(t.context.ca))).connected)
})
