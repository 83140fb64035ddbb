import type { DeviceFaultsJson, HostKind } from '../../agent/simulate/fleet-options.ts'

import { randomUUID } from 'node:crypto'

/**
 * The demo's tenant and its simulated hosts. Each host has a name (sim-01 …, deterministic) and a random UUID as
 * its host id (as a real SMBIOS UUID, so every DMT rule applies: MPS registers devices by GUID); a re-run finds the
 * same hosts in ./data by name and keeps their ids.
 */
export const DEMO_TENANT = 'demo'
export const DEFAULT_DEMO_HOSTS = 20
export const MAX_DEMO_HOSTS = 1000

/** The rpc error the faulty host's activation ends with (exit 102 = ActivationFailed). */
const FAULTY_ACTIVATION_EXIT = 102

/**
 * A host kept for ONE real agent process (`npm run demo:agent`, scripts/demo-agent.ts, the rpc emulator as its AMT):
 * its id is the UUID the emulated AMT reports, its MQTT username the default `<hostId>@demo`. Demo only: the
 * password is public.
 */
export const REAL_AGENT_HOST = { hostId: '4c4c4544-005a-3510-8047-b4c04f564433', password: 'demo-agent-demo' } as const

export type Outcome = 'PROVISIONED' | 'NOT_SUPPORTED' | 'FAILED'

export interface DemoHost {
  /** sim-01 …: the host's name in Inventory. */
  name: string
  /** A random UUID (kept across runs: `knownIds`). */
  hostId: string
  kind: HostKind
  faults: DeviceFaultsJson
  /** What the device is, for the table. */
  label: string
  /** Where it must end. */
  expected: Outcome
}

/** Position within each ten hosts → kind: mostly AMT, two ISM, one without AMT/ISM (SKU or no ME device). */
function kindAt(position: number): HostKind {
  const inDecade = position % 10
  if (inDecade === 3 || inDecade === 8) return 'ism'
  if (inDecade === 5) return Math.floor(position / 10) % 2 === 0 ? 'not-capable' : 'no-me'
  return 'amt'
}

const LABELS: Record<HostKind, string> = {
  amt: 'AMT',
  ism: 'ISM',
  'not-capable': 'no AMT/ISM SKU',
  'no-me': 'no ME device',
}

/**
 * `count` hosts sim-01..; the last one (with at least 2 hosts) is an AMT device whose activation fails. A host whose
 * name is in `knownIds` keeps that id; the others get a new random UUID.
 */
export function demoHosts(count: number, knownIds: ReadonlyMap<string, string> = new Map()): DemoHost[] {
  const width = Math.max(2, String(count).length)
  return Array.from({ length: count }, (_, index) => {
    const position = index + 1
    const name = `sim-${String(position).padStart(width, '0')}`
    const hostId = knownIds.get(name) ?? randomUUID()
    if (count >= 2 && position === count) {
      return {
        name,
        hostId,
        kind: 'amt',
        faults: { activationFails: FAULTY_ACTIVATION_EXIT },
        label: 'AMT, activation fails',
        expected: 'FAILED',
      }
    }
    const kind = kindAt(position)
    const capable = kind === 'amt' || kind === 'ism'
    return { name, hostId, kind, faults: {}, label: LABELS[kind], expected: capable ? 'PROVISIONED' : 'NOT_SUPPORTED' }
  })
}

/** "13 AMT, 4 ISM, 2 not capable, 1 failing activation". */
export function describeMix(hosts: readonly DemoHost[]): string {
  const count = (predicate: (host: DemoHost) => boolean) => hosts.filter(predicate).length
  const parts = [
    [count((h) => h.kind === 'amt' && h.expected === 'PROVISIONED'), 'AMT'],
    [count((h) => h.kind === 'ism'), 'ISM'],
    [count((h) => h.expected === 'NOT_SUPPORTED'), 'not capable'],
    [count((h) => h.expected === 'FAILED'), 'failing activation'],
  ] as const
  return parts
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(', ')
}
