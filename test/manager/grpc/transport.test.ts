import { createRequire } from 'node:module'
import http2 from 'node:http2'
import net from 'node:net'
import path from 'node:path'
import { Client, credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js'
import { loadSync } from '@grpc/proto-loader'
import test from 'ava'
import { protoPath as healthProtoPath } from 'grpc-health-check'
import { silentLogger } from '../../../lib/log.ts'
import { DESCRIPTOR_FILE_NAME, SERVICE_NAME } from '../../../manager/grpc/definition.ts'
import { createGrpcBridge } from '../../../manager/grpc/server.ts'
import { fileDescriptorName, typeReferences } from '../../../manager/grpc/descriptor-name.ts'
import { seedHost } from '../../helpers/manager-core.ts'
import { createTestPki } from '../../helpers/certs.ts'
import { callDeadline, within } from './bounded.ts'
import { HOST, startBridge, TENANT_A, type BridgeHarness } from './harness.ts'

const KEY = { tenantId: TENANT_A, hostId: HOST }
const RETRIEVE = '/device_management.DeviceManagement/RetrieveActivationDetails'

/** A unary call with the method definition of another service (health). */
function unary<T>(
  client: Client,
  method: {
    path: string
    requestSerialize: (value: object) => Buffer
    responseDeserialize: (bytes: Buffer) => unknown
  },
  request: object,
) {
  return new Promise<{ code: Status; response?: T }>((resolve) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      (bytes) => method.responseDeserialize(bytes) as T,
      request,
      new Metadata(),
      { deadline: callDeadline() },
      (err: ServiceError | null, response?: T) =>
        resolve(err ? { code: err.code } : { code: Status.OK, ...(response !== undefined ? { response } : {}) }),
    )
  })
}

/** The HTTP status and grpc-status of a raw HTTP/2 stream, once the stream is closed. */
function answerOf(
  stream: http2.ClientHttp2Stream,
): Promise<{ status: number | undefined; grpcStatus: string | undefined }> {
  return new Promise((resolve) => {
    let status: number | undefined
    let grpcStatus: string | undefined
    stream.on('response', (response) => {
      status = response[':status']
      grpcStatus = response['grpc-status'] as string | undefined
    })
    stream.on('trailers', (trailers: http2.IncomingHttpHeaders) => {
      grpcStatus = (trailers['grpc-status'] as string | undefined) ?? grpcStatus
    })
    stream.on('data', () => undefined)
    stream.on('error', () => undefined)
    stream.on('close', () => resolve({ status, grpcStatus }))
  })
}

async function serving(harness: BridgeHarness): Promise<void> {
  await seedHost(
    harness.inventory,
    HOST,
    [{ currentState: 'UNPROVISIONED' }, { desiredState: 'PROVISIONED' }],
    TENANT_A,
  )
  harness.passwords.set(KEY, 'still-serving-1')
}

test('TLS: a client trusting the CA gets answers; a plaintext client cannot talk to the TLS port', async (t) => {
  const pki = await createTestPki()
  t.teardown(() => pki.remove())
  const ca = await pki.createCa('grpc-ca')
  const server = await ca.issueServer()
  const harness = await startBridge(t, {
    tls: { certFile: server.certFile, keyFile: server.keyFile },
    clientCredentials: credentials.createSsl(ca.cert),
  })
  await serving(harness)
  const result = await harness.client.call('RetrieveActivationDetails', { host_id: HOST }, await harness.auth())
  t.is(result.code, Status.OK)
  t.like(result.response, { operation: 'ACTIVATE' })

  const plaintext = new Client(`127.0.0.1:${harness.port}`, credentials.createInsecure())
  t.teardown(() => plaintext.close())
  const refused = await new Promise<ServiceError | null>((resolve) =>
    plaintext.makeUnaryRequest(
      RETRIEVE,
      (value: Buffer) => value,
      (bytes) => bytes,
      Buffer.alloc(0),
      new Metadata(),
      { deadline: callDeadline() },
      (err) => resolve(err),
    ),
  )
  t.is(refused?.code, Status.UNAVAILABLE)
})

test('reflection lists DeviceManagement and serves dm-manager.proto by file name', async (t) => {
  const harness = await startBridge(t)
  const require = createRequire(import.meta.url)
  const reflectionProto = path.join(
    path.dirname(require.resolve('@grpc/reflection')),
    '../proto/grpc/reflection/v1/reflection.proto',
  )
  const definition = loadSync(reflectionProto, { keepCase: true, defaults: true, oneofs: true })
  const method = (
    definition['grpc.reflection.v1.ServerReflection'] as unknown as Record<
      string,
      { path: string; requestSerialize: (value: object) => Buffer; responseDeserialize: (bytes: Buffer) => unknown }
    >
  ).ServerReflectionInfo
  if (method === undefined) throw new Error('reflection method missing')
  const ask = (request: object) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const stream = harness.client.client.makeBidiStreamRequest(
        method.path,
        method.requestSerialize,
        (bytes) => method.responseDeserialize(bytes) as Record<string, unknown>,
        new Metadata(),
        {
          deadline: callDeadline(),
        },
      )
      stream.on('data', (response: Record<string, unknown>) => {
        resolve(response)
        stream.end()
      })
      stream.on('error', reject)
      stream.on('end', () => reject(new Error('reflection stream ended without an answer')))
      stream.write(request)
    })
  const listed = (await ask({ list_services: '' })) as { list_services_response: { service: Array<{ name: string }> } }
  t.true(listed.list_services_response.service.some((service) => service.name === SERVICE_NAME))
  const file = (await ask({ file_by_filename: DESCRIPTOR_FILE_NAME })) as {
    file_descriptor_response: { file_descriptor_proto: Buffer[] }
  }
  t.deepEqual(file.file_descriptor_response.file_descriptor_proto.map(fileDescriptorName), [DESCRIPTOR_FILE_NAME])
  const bySymbol = (await ask({ file_containing_symbol: 'device_management.ActivationDetailsResponse' })) as {
    file_descriptor_response: { file_descriptor_proto: Buffer[] }
  }
  t.deepEqual(bySymbol.file_descriptor_response.file_descriptor_proto.map(fileDescriptorName), [DESCRIPTOR_FILE_NAME])
  const references = new Map(bySymbol.file_descriptor_response.file_descriptor_proto.flatMap(typeReferences))
  t.is(
    references.get('AMTStatusRequest.status'),
    '.device_management.AMTStatus',
    'fully qualified, as protoc writes it',
  )
  t.is(references.get('ActivationResultRequest.activation_status'), '.device_management.ActivationStatus')
})

test('health: SERVING for the server and for device_management.DeviceManagement; unknown service NOT_FOUND', async (t) => {
  const harness = await startBridge(t)
  const definition = loadSync(healthProtoPath, { keepCase: true, enums: String, defaults: true })
  const check = (
    definition['grpc.health.v1.Health'] as unknown as Record<
      string,
      { path: string; requestSerialize: (value: object) => Buffer; responseDeserialize: (bytes: Buffer) => unknown }
    >
  ).Check
  if (check === undefined) throw new Error('health Check missing')
  t.like(await unary(harness.client.client, check, { service: '' }), {
    code: Status.OK,
    response: { status: 'SERVING' },
  })
  t.like(await unary(harness.client.client, check, { service: SERVICE_NAME }), {
    code: Status.OK,
    response: { status: 'SERVING' },
  })
  t.is((await unary(harness.client.client, check, { service: 'nope.Nope' })).code, Status.NOT_FOUND)
})

test('garbage frames: undecodable protobuf → INVALID_ARGUMENT (after auth), unknown method → UNIMPLEMENTED; the server keeps serving', async (t) => {
  const harness = await startBridge(t)
  await serving(harness)
  const auth = await harness.auth()
  const garbage = (bytes: number[]) =>
    harness.client.raw(
      RETRIEVE,
      null,
      () => Buffer.from(bytes),
      (raw) => raw,
      auth,
    )
  for (const bytes of [[0x0c], [0x12, 0x05, 0x01]]) {
    const result = await garbage(bytes)
    t.is(result.code, Status.INVALID_ARGUMENT)
    t.regex(result.details, /could not be decoded/)
  }
  // protobufjs decodes these leniently; what comes out is not a valid host_id.
  for (const bytes of [
    [0x0b, 0x0a, 0x01, 0x41, 0x0c],
    [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  ]) {
    t.is((await garbage(bytes)).code, Status.INVALID_ARGUMENT)
  }
  const anonymous = await harness.client.raw(
    RETRIEVE,
    null,
    () => Buffer.from([0xff, 0xff, 0xff]),
    (raw) => raw,
  )
  t.is(anonymous.code, Status.UNAUTHENTICATED, 'nothing is parsed before the caller is known')
  const unknown = await harness.client.raw(
    '/device_management.DeviceManagement/Nope',
    null,
    () => Buffer.alloc(0),
    (raw) => raw,
    auth,
  )
  t.is(unknown.code, Status.UNIMPLEMENTED)
  const oversized = await harness.client.raw(
    RETRIEVE,
    null,
    () => Buffer.alloc(100 * 1024, 0x41),
    (raw) => raw,
    auth,
  )
  t.is(oversized.code, Status.RESOURCE_EXHAUSTED)
  t.like((await harness.client.call('RetrieveActivationDetails', { host_id: HOST }, auth)).response, {
    operation: 'ACTIVATE',
  })
})

test('garbage at the HTTP/2 and TCP level: a broken gRPC frame, a non-gRPC request, bytes that are not HTTP/2; the server keeps serving', async (t) => {
  const harness = await startBridge(t)
  await serving(harness)
  const auth = await harness.auth()

  const session = http2.connect(`http://127.0.0.1:${harness.port}`)
  const sessionFailed = new Promise<never>((_resolve, reject) => session.on('error', reject))
  sessionFailed.catch(() => undefined)
  t.teardown(() => session.destroy())
  const exchange = (headers: http2.OutgoingHttpHeaders, body: Buffer) => {
    const stream = session.request({ ':method': 'POST', ':path': RETRIEVE, ...headers })
    stream.end(body)
    return within(Promise.race([sessionFailed, answerOf(stream)]), 'the server to close an HTTP/2 stream')
  }
  // A gRPC frame announcing 1000 bytes and delivering 3, then end of stream.
  const frame = Buffer.from([0, 0, 0, 0x03, 0xe8, 1, 2, 3])
  const broken = await exchange({ 'content-type': 'application/grpc', te: 'trailers', ...auth }, frame)
  t.is(broken.status, 200)
  t.true(broken.grpcStatus !== undefined && broken.grpcStatus !== String(Status.OK), `grpc-status ${broken.grpcStatus}`)
  // Compressed flag set without a grpc-encoding.
  const compressed = await exchange(
    { 'content-type': 'application/grpc', te: 'trailers', ...auth },
    Buffer.from([1, 0, 0, 0, 2, 0x0a, 0x00]),
  )
  t.true(
    compressed.grpcStatus !== undefined && compressed.grpcStatus !== String(Status.OK),
    `grpc-status ${compressed.grpcStatus}`,
  )
  const notGrpc = await exchange({ 'content-type': 'application/json' }, Buffer.from('{"host_id":"x"}'))
  t.is(notGrpc.status, 415)

  const socket = net.connect(harness.port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  socket.on('error', () => undefined)
  socket.resume()
  socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01\x02garbage'))
  await within(closed, 'the server to close a connection that is not HTTP/2')
  t.like((await harness.client.call('RetrieveActivationDetails', { host_id: HOST }, auth)).response, {
    operation: 'ACTIVATE',
  })
})

test('lifecycle: start reports a busy port as an error; stop is idempotent and frees the port', async (t) => {
  const first = await startBridge(t)
  const second = createGrpcBridge(
    { core: first.core, secrets: first.passwords, log: silentLogger() },
    { host: '127.0.0.1', port: first.port, auth: { publicKeyPem: first.key.publicKeyPem } },
  )
  t.teardown(() => second.stop())
  await t.throwsAsync(second.start())
  t.is(second.port, null)
  await first.bridge.stop()
  await first.bridge.stop()
  t.is(first.bridge.port, null)
  t.deepEqual(await second.start(), { port: first.port }, 'the port is free again; a failed start can be retried')
  await second.stop()
  t.deepEqual(await second.start(), { port: first.port }, 'a stopped bridge starts again')
  await second.stop()
})
