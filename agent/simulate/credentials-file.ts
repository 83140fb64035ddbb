import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { HostId, TenantId } from '../../schemas/index.ts'
import { ActivatedAmt, DeviceFaultsJson, DeviceFirmwareJson, HostKind } from './fleet-options.ts'
import { describeIssues } from '../../schemas/issues.ts'

/**
 * The hosts of a simulated fleet with their broker credentials (YAML or JSON):
 *   hosts:
 *     - { tenantId: demo, hostId: demo-host-1, username: demo-host-1, password: "...", kind: amt, faults: { activationFails: 102 } }
 * A bare list is accepted too. kind, faults, firmware (rpcLine, dnsSuffix, dnsSuffixOS, amtVersion, buildNumber,
 * certificateHashes), amtUuid and activated ({ controlMode: ccm|acm, password }: AMT activated already) are optional (default: drawn from the mix; the AMT UUID amtinfo reports,
 * device-profile.ts). Passwords are plain (the simulator must present them); never log the entries.
 */
export const HostCredentials = z.strictObject({
  tenantId: TenantId,
  hostId: HostId,
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
  kind: HostKind.optional(),
  faults: DeviceFaultsJson.optional(),
  firmware: DeviceFirmwareJson.optional(),
  /** The AMT UUID the host's amtinfo reports; keeps UUIDs unique when one fleet is split over several createFleet. */
  amtUuid: z.uuid().optional(),
  /** AMT activated already, with this control mode and password (e.g. an older version: password candidates). */
  activated: ActivatedAmt.optional(),
})
export type HostCredentials = z.infer<typeof HostCredentials>

const CredentialsDocument = z.preprocess(
  (document) => (Array.isArray(document) ? { hosts: document } : document),
  z.strictObject({ hosts: z.array(HostCredentials).min(1) }).superRefine(({ hosts }, ctx) => {
    const seen = new Set<string>()
    hosts.forEach(({ tenantId, hostId }, index) => {
      const key = `${tenantId}/${hostId}`
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: ['hosts', index, 'hostId'], message: `duplicate host ${key}` })
      seen.add(key)
    })
  }),
)

export type CredentialsLoad = { ok: true; hosts: HostCredentials[] } | { ok: false; problems: string[] }

/** Reads and validates a credentials file; every problem is reported, nothing throws. */
export async function readCredentialsFile(file: string): Promise<CredentialsLoad> {
  let document: unknown
  try {
    document = parseYaml(await readFile(file, 'utf8'))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return { ok: false, problems: [`${file}: ${code ?? 'not valid YAML/JSON'}`] }
  }
  const parsed = CredentialsDocument.safeParse(document)
  if (!parsed.success)
    return { ok: false, problems: describeIssues(parsed.error).map((problem) => `${file}: ${problem}`) }
  return { ok: true, hosts: parsed.data.hosts }
}
