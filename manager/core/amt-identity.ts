import type { Capability } from '../../schemas/messages/capability.ts'

/** The AMT UUID the agent reported (capability.amtUuid) against the host's id: SMBIOS and AMT print it in either case. */
export interface AmtIdentity {
  amtUuid: string
  matches: boolean
}

/** Null when the host has not reported an AMT UUID (no capability yet, an older agent, or an unreadable uuid). */
export function amtIdentityOf(hostId: string, capability: Pick<Capability, 'amtUuid'> | null): AmtIdentity | null {
  const amtUuid = capability?.amtUuid
  if (amtUuid === undefined) return null
  return { amtUuid, matches: amtUuid.toLowerCase() === hostId.toLowerCase() }
}
