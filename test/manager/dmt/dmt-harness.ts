import { Writable } from 'node:stream'
import type { ExecutionContext } from 'ava'
import { createLogger, silentLogger, type Logger } from '../../../lib/log.ts'
import { DmtConfig, type DmtConfigInput } from '../../../manager/dmt/config.ts'
import { createDmt, type Dmt } from '../../../manager/dmt/create-dmt.ts'
import { HttpService, type HttpServiceOptions } from '../../../manager/dmt/http-service.ts'
import { MpsClient } from '../../../manager/dmt/mps-client.ts'
import type { ProfilePasswords, ProfileSecret } from '../../../manager/dmt/ports.ts'
import { RpsClient } from '../../../manager/dmt/rps-client.ts'
import type { HostKey, Inventory, Tenant } from '../../../manager/inventory/port.ts'
import { FakeMps } from '../../../manager/demo/simulated-dmt/mps/fake-mps.ts'
import { FakeRps } from '../../../manager/demo/simulated-dmt/rps/fake-rps.ts'

/**
 * Retries without waiting long. The per-request timeout is generous: it bounds loopback round trips to the fakes,
 * which can take seconds on a loaded machine; a test of a slow fault passes its own short timeoutMs.
 */
const FAST = { timeoutMs: 10_000, retry: { attempts: 3, baseMs: 1, maxMs: 4 } }

export async function startFakeRps(t: ExecutionContext): Promise<FakeRps> {
  const fake = await FakeRps.start()
  t.teardown(() => fake.close())
  return fake
}

export async function startFakeMps(t: ExecutionContext): Promise<FakeMps> {
  const fake = await FakeMps.start()
  t.teardown(() => fake.close())
  return fake
}

const service = (name: 'RPS' | 'MPS', baseUrl: string, overrides: Partial<HttpServiceOptions>) =>
  new HttpService({ service: name, baseUrl, log: silentLogger(), ...FAST, ...overrides })

export const rpsClientOf = (url: string, overrides: Partial<HttpServiceOptions> = {}) =>
  new RpsClient(service('RPS', url, overrides))
export const mpsClientOf = (url: string, overrides: Partial<HttpServiceOptions> = {}) =>
  new MpsClient(service('MPS', url, overrides))

/** The `dmt` config section for the fakes (`rpsTimeoutMs`: a short one for a slow-RPS test, RPS only). */
export function dmtConfigOf(
  rps: FakeRps,
  mps: FakeMps,
  { rpsTimeoutMs = FAST.timeoutMs }: { rpsTimeoutMs?: number } = {},
): DmtConfig {
  const input: DmtConfigInput = {
    rps: { url: rps.url, activationUrl: 'wss://rps.example.com/activate', ...FAST, timeoutMs: rpsTimeoutMs },
    mps: { url: mps.url, publicAddress: 'mps.example.com', ...FAST },
  }
  return DmtConfig.parse(input)
}

/** Passwords as the secret store would hold them (in memory). */
export class MemoryPasswords implements ProfilePasswords {
  readonly tenants = new Map<string, ProfileSecret>()
  readonly hosts = new Map<string, ProfileSecret>()

  getTenantPassword(tenantId: string): Promise<ProfileSecret | null> {
    return Promise.resolve(this.tenants.get(tenantId) ?? null)
  }

  getAmtPassword({ tenantId, hostId }: HostKey): Promise<ProfileSecret | null> {
    return Promise.resolve(this.hosts.get(`${tenantId}/${hostId}`) ?? null)
  }

  setHost({ tenantId, hostId }: HostKey, secret: ProfileSecret): void {
    this.hosts.set(`${tenantId}/${hostId}`, secret)
  }
}

export const TENANT_PASSWORD = 'Tenant-Pw-1!'

export interface DmtRig {
  rps: FakeRps
  mps: FakeMps
  passwords: MemoryPasswords
  dmt: Dmt
}

/** Both fakes and a Dmt over them; `getTenant` and `findHost` read the given Inventory. */
export async function startDmt(
  t: ExecutionContext,
  inventory: Pick<Inventory, 'getTenant' | 'findHost'>,
  options: { log?: Logger; rpsTimeoutMs?: number } = {},
): Promise<DmtRig> {
  const [rps, mps] = await Promise.all([startFakeRps(t), startFakeMps(t)])
  const passwords = new MemoryPasswords()
  const dmt = createDmt(
    dmtConfigOf(rps, mps, options.rpsTimeoutMs === undefined ? {} : { rpsTimeoutMs: options.rpsTimeoutMs }),
    {
      getTenant: (tenantId): Promise<Tenant> => inventory.getTenant(tenantId),
      findHost: (key) => inventory.findHost(key),
      passwords,
      log: options.log ?? silentLogger(),
    },
  )
  return { rps, mps, passwords, dmt }
}

/** A logger writing JSON lines into `lines` (for assertions on what was logged). */
export function capturingLogger(lines: string[]): Logger {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      callback()
    },
  })
  return createLogger({ name: 'test', level: 'debug', destination })
}

/** SMBIOS-style host ids (MPS needs UUIDs). */
export const hostUuid = (n: number): string => `4c4c4544-0000-4000-8000-${String(n).padStart(12, '0')}`
