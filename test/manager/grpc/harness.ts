import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import {
  Client,
  credentials as channelCredentials,
  Metadata,
  status as Status,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js'
import type { ExecutionContext } from 'ava'
import { SignJWT } from 'jose'
import { silentLogger, type Logger } from '../../../lib/log.ts'
import type { AmtPasswordSource, PasswordAnswer } from '../../../manager/ports/provisioning.ts'
import { createManagerCore, type ManagerCore } from '../../../manager/core/manager-core.ts'
import { deviceManagementService, loadDmManagerDefinition, type RpcName } from '../../../manager/grpc/definition.ts'
import { createGrpcBridge, type GrpcBridge, type GrpcBridgeOptions } from '../../../manager/grpc/server.ts'
import { InventoryError } from '../../../manager/inventory/errors.ts'
import type { HostKey, Inventory } from '../../../manager/inventory/port.ts'
import { IN_MEMORY, openSqliteInventory } from '../../../manager/inventory/sqlite/open.ts'
import { createManagerMetrics, type ManagerMetrics } from '../../../manager/metrics/metrics.ts'
import { RecordingOutbound } from '../../helpers/manager-core.ts'
import { callDeadline } from './bounded.ts'

/** Tenants are EMF project UUIDs. */
export const TENANT_A = '5b9f6f2e-3c1a-4b7e-9d2f-0a1b2c3d4e5f'
export const TENANT_B = 'a0c2e4f6-8a0c-4e2a-8c4e-6a8c0e2a4c6e'
export const HOST = '4c4c4544-0042-3510-8052-b4c04f4e5332'
export const PASSWORD = 'P@ssw0rd-for-AMT-1'

/** An ES256 key pair whose public half the bridge trusts; tokens are signed with the private half. */
export interface SigningKey {
  privateKey: KeyObject
  publicKeyPem: string
}

export function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }
}

export interface TokenClaims {
  roles?: string[]
  sub?: string
  issuer?: string
  audience?: string
  /** Seconds from now; negative: expired. Default 300. */
  expiresIn?: number
  key?: KeyObject
  kid?: string
}

/** A Keycloak-like access token: realm_access.roles, exp, optional iss/aud/kid. */
export async function signToken(key: SigningKey, claims: TokenClaims = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  let jwt = new SignJWT({ realm_access: { roles: claims.roles ?? [] } })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', ...(claims.kid ? { kid: claims.kid } : {}) })
    .setSubject(claims.sub ?? 'edge-node-m2m')
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.expiresIn ?? 300))
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer)
  if (claims.audience) jwt = jwt.setAudience(claims.audience)
  return jwt.sign(claims.key ?? key.privateKey)
}

export const agentRole = (tenantId: string): string => `${tenantId}_en-agent-rw`

/** An AmtPasswordSource with per-host passwords and switchable failures; remembers every request. */
export class FakePasswords implements AmtPasswordSource {
  readonly passwords = new Map<string, string>()
  readonly requests: Array<{ key: HostKey; purpose: string; generation: number }> = []
  mode: 'ok' | 'refuse' | 'throw' = 'ok'

  set(key: HostKey, password: string): void {
    this.passwords.set(`${key.tenantId}/${key.hostId}`, password)
  }

  getAmtPassword(key: HostKey, request: { purpose: string; generation: number }): Promise<PasswordAnswer> {
    this.requests.push({ key, ...request })
    if (this.mode === 'throw') return Promise.reject(new Error('vault sealed'))
    const password = this.passwords.get(`${key.tenantId}/${key.hostId}`)
    if (this.mode === 'refuse' || password === undefined)
      return Promise.resolve({ ok: false, error: 'no password for this host' })
    return Promise.resolve({ ok: true, password })
  }
}

/** Inventory methods to fail with INVENTORY_STORAGE_FAILED (an Inventory error that is not NOT_FOUND). */
class InventoryFaults {
  readonly failing = new Set<string>()
}

function withFaults(inventory: Inventory, faults: InventoryFaults): Inventory {
  return new Proxy(inventory, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      const method = value as (...args: unknown[]) => unknown
      return (...args: unknown[]) =>
        typeof property === 'string' && faults.failing.has(property)
          ? Promise.reject(
              new InventoryError('INVENTORY_STORAGE_FAILED', 'database disk image is malformed (injected)'),
            )
          : method.apply(target, args)
    },
  })
}

export interface CallResult<T> {
  code: Status
  details: string
  response: T | undefined
}

/**
 * A grpc-js client of DeviceManagement built from the SAME .proto; every call carries the given metadata and the
 * CALL_DEADLINE_MS deadline. Its subchannels are its own (not grpc-js's process-wide pool), so a test never
 * inherits the connection state of an earlier test's client to a port the kernel has handed out again.
 */
export class DmClient {
  readonly client: Client
  readonly #service = deviceManagementService(loadDmManagerDefinition())

  constructor(
    address: string,
    credentials: ChannelCredentials = channelCredentials.createInsecure(),
    options: Record<string, string | number> = {},
  ) {
    this.client = new Client(address, credentials, { 'grpc.use_local_subchannel_pool': 1, ...options })
  }

  call<T = Record<string, unknown>>(
    rpc: RpcName,
    request: object,
    headers: Record<string, string | string[]> = {},
  ): Promise<CallResult<T>> {
    const method = this.#service[rpc]
    if (method === undefined) throw new Error(`no method ${rpc}`)
    const serialize = (value: object): Buffer => method.requestSerialize(value)
    const deserialize = (bytes: Buffer): T => method.responseDeserialize(bytes) as T
    return this.raw(method.path, request, serialize, deserialize, headers)
  }

  /** A call with any serializer (garbage frames) on any path. */
  raw<Req, T>(
    path: string,
    request: Req,
    serialize: (value: Req) => Buffer,
    deserialize: (bytes: Buffer) => T,
    headers: Record<string, string | string[]> = {},
  ): Promise<CallResult<T>> {
    const metadata = new Metadata()
    for (const [name, values] of Object.entries(headers)) for (const value of [values].flat()) metadata.add(name, value)
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        path,
        serialize,
        deserialize,
        request,
        metadata,
        { deadline: callDeadline() },
        (err: ServiceError | null, response?: T) => {
          resolve(
            err
              ? { code: err.code, details: err.details, response: undefined }
              : { code: Status.OK, details: '', response },
          )
        },
      )
    })
  }

  close(): void {
    this.client.close()
  }
}

export interface BridgeHarness {
  core: ManagerCore
  inventory: Inventory
  outbound: RecordingOutbound
  metrics: ManagerMetrics
  bridge: GrpcBridge
  port: number
  passwords: FakePasswords
  faults: InventoryFaults
  key: SigningKey
  /** A client with the token of an agent of `tenantId` (default TENANT_A). */
  client: DmClient
  /** Authorization metadata of an agent of the tenant. */
  auth: (tenantId?: string) => Promise<Record<string, string>>
  /** Sets the shared clock (Inventory and core). */
  setClock: (at: Date) => void
}

export interface HarnessOptions {
  tls?: GrpcBridgeOptions['tls']
  auth?: GrpcBridgeOptions['auth']
  log?: Logger
  inventory?: Inventory
  outbound?: RecordingOutbound
  /** A client for this channel instead of a plaintext one. */
  clientCredentials?: ChannelCredentials
  clientOptions?: Record<string, string | number>
}

/** A bridge on 127.0.0.1:0 over a real core on in-memory SQLite with a shared clock; everything released in t.teardown. */
export async function startBridge(t: ExecutionContext, options: HarnessOptions = {}): Promise<BridgeHarness> {
  let clock = new Date('2030-01-02T03:04:05.000Z')
  const now = (): Date => clock
  const faults = new InventoryFaults()
  const sqlite = options.inventory ?? (await openSqliteInventory({ dataDir: IN_MEMORY, now }))
  if (options.inventory === undefined) t.teardown(() => sqlite.close())
  const inventory = withFaults(sqlite, faults)
  const outbound = options.outbound ?? new RecordingOutbound()
  const log = options.log ?? silentLogger()
  const metrics = createManagerMetrics(inventory)
  const core = createManagerCore({ inventory, outbound, log, metrics, now })
  t.teardown(() => core.stop())
  const passwords = new FakePasswords()
  const key = newSigningKey()
  const bridge = createGrpcBridge(
    { core, secrets: passwords, log, metrics: metrics.registry },
    {
      host: '127.0.0.1',
      port: 0,
      auth: options.auth ?? { publicKeyPem: key.publicKeyPem },
      ...(options.tls ? { tls: options.tls } : {}),
    },
  )
  const { port } = await bridge.start()
  t.teardown(() => bridge.stop())
  const address = options.tls ? `localhost:${port}` : `127.0.0.1:${port}`
  const client = new DmClient(address, options.clientCredentials, options.clientOptions)
  t.teardown(() => client.close())
  return {
    core,
    inventory: sqlite,
    outbound,
    metrics,
    bridge,
    port,
    passwords,
    faults,
    key,
    client,
    auth: async (tenantId = TENANT_A) => ({
      authorization: `Bearer ${await signToken(key, { roles: [agentRole(tenantId)] })}`,
    }),
    setClock: (at) => {
      clock = at
    },
  }
}
