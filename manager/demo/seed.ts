import { randomBytes } from 'node:crypto'
import type { HostCredentials } from '../../agent/simulate/credentials-file.ts'
import { hashPassword, hashRandomSecret } from '../../broker/auth/password-hash.ts'
import type { Logger } from '../../lib/log.ts'
import { registerHost } from '../api/register-host.ts'
import { deviceUsername } from '../../schemas/principals.ts'
import type { ManagerCore } from '../core/manager-core.ts'
import { MAX_PAGE_SIZE, type HostKey, type Inventory } from '../inventory/port.ts'
import { UUID } from '../dmt/device-registration.ts'
import { DEMO_TENANT, REAL_AGENT_HOST, type DemoHost } from './fleet-plan.ts'

const ACTOR = 'demo'

export interface SeedResult {
  /** Credentials of the simulated hosts, in plan order (new hosts: registered; existing: rotated). */
  hosts: HostCredentials[]
  registered: number
  rotated: number
}

/**
 * Puts the demo into Inventory: tenant `demo` (reused when it exists), each simulated host (registered as the API
 * does, or — on a re-run — kept with a NEW device password: credentials rotate every run), and the host slot for
 * one real agent process. Never logs a password.
 */
export async function seedDemo(
  deps: { inventory: Inventory; core: ManagerCore; log: Logger },
  plan: readonly DemoHost[],
): Promise<SeedResult> {
  const { inventory, core } = deps
  const log = deps.log.child({ module: 'demo' })
  if ((await inventory.listTenants()).every((tenant) => tenant.tenantId !== DEMO_TENANT)) {
    await core.createTenant({ tenantId: DEMO_TENANT, name: 'Demo fleet (simulated)' })
  }
  let registered = 0
  const hosts = await Promise.all(
    plan.map(async (demo): Promise<HostCredentials> => {
      const key = { tenantId: DEMO_TENANT, hostId: demo.hostId }
      const existing = await inventory.findHost(key)
      let credential: { username: string; password: string }
      if (existing === null) {
        const answer = await registerHost({ inventory, log, hosts: core }, { ...key, name: demo.name }, ACTOR)
        credential = answer.credential
        registered++
      } else {
        credential = await rotateCredential(inventory, key)
      }
      return { ...key, ...credential, kind: demo.kind, faults: demo.faults }
    }),
  )
  await ensureRealAgentHost(inventory, core)
  log.info(
    { tenantId: DEMO_TENANT, hosts: hosts.length, registered, rotated: hosts.length - registered },
    'demo hosts ready',
  )
  return { hosts, registered, rotated: hosts.length - registered }
}

/**
 * The ids of the demo's simulated hosts already in Inventory, by name (sim-01 …), for demoHosts(). Hosts of older
 * demos (named ids such as `sim-01`, which MPS cannot register) are not reused: those names get new UUID hosts.
 */
export async function knownDemoHostIds(inventory: Inventory): Promise<Map<string, string>> {
  const known = new Map<string, string>()
  let cursor: string | undefined
  do {
    const page = await inventory.listHosts({
      tenantId: DEMO_TENANT,
      limit: MAX_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    })
    for (const host of page.hosts)
      if (host.name.startsWith('sim-') && UUID.test(host.hostId)) known.set(host.name, host.hostId)
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return known
}

/** A new random device password for an existing host (its old one stops working at the next CONNECT). */
async function rotateCredential(inventory: Inventory, key: HostKey): Promise<{ username: string; password: string }> {
  const username = deviceUsername(key)
  const password = randomBytes(24).toString('base64url')
  await inventory.putCredential({ ...key, username, passwordHash: hashRandomSecret(password) })
  await inventory.appendAudit([{ ...key, kind: 'credential.rotated', actor: ACTOR, detail: { username } }])
  return { username, password }
}

/** The host for `npm run demo:agent`, with its public demo password (announced through the core's write path). */
async function ensureRealAgentHost(inventory: Inventory, core: ManagerCore): Promise<void> {
  const key = { tenantId: DEMO_TENANT, hostId: REAL_AGENT_HOST.hostId }
  const username = deviceUsername(key)
  const created = (await inventory.findHost(key)) === null
  if (created) await inventory.createHost({ ...key, name: 'real agent (npm run demo:agent)' })
  await inventory.putCredential({ ...key, username, passwordHash: await hashPassword(REAL_AGENT_HOST.password) })
  const audit = created ? [{ ...key, kind: 'host.registered', actor: ACTOR, detail: { username } }] : []
  await core.refreshHost(key, { audit })
}
