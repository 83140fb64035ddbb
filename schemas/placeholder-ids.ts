/**
 * SMBIOS system UUIDs that firmware reports when it has no real one: many machines share them, so they can never
 * identify a host. Refused as a hostId at registration (manager API) and by the agent at start. Kept short, each
 * one documented:
 * - all 00h and all FFh: the SMBIOS specification (DSP0134, 7.2.1 "System UUID"): "not present" / "not set";
 * - 03000200-0400-0500-0006-000700080009: AMI BIOS default ("To Be Filled By O.E.M." boards), the value behind
 *   duplicate-identity reports in MeshCentral and RPS, and in osquery's placeholder list;
 * - 03020100-0504-0706-0809-0A0B0C0D0E0F and 10000000-0000-8000-0040-000000000000: osquery's placeholder list
 *   (osquery/osquery#4374), seen on real boards.
 * Compared case-insensitively (SMBIOS UUIDs are often printed upper case).
 */
const PLACEHOLDER_HOST_IDS: readonly string[] = Object.freeze([
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '03000200-0400-0500-0006-000700080009',
  '03020100-0504-0706-0809-0a0b0c0d0e0f',
  '10000000-0000-8000-0040-000000000000',
])

const PLACEHOLDERS = new Set(PLACEHOLDER_HOST_IDS)

/** True when the id is a firmware placeholder UUID (any case, surrounding whitespace ignored). */
export function isPlaceholderId(id: string): boolean {
  return PLACEHOLDERS.has(id.trim().toLowerCase())
}

/** Why a placeholder id is refused; the one text the API and the agent show. */
export function placeholderIdReason(id: string): string {
  return `${id.trim()} is a firmware placeholder UUID shared by many machines, not a unique host id; set a unique hostId explicitly`
}
