import { readFile } from 'node:fs/promises'
import type { PeerCertificate } from 'node:tls'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { HostId, TenantId } from '../../schemas/ids.ts'
import { describeIssues } from '../../schemas/issues.ts'
import { MemoryCredentialStore, type CredentialEntry, type CredentialStore } from './credentials.ts'
import { KdfLanes } from './kdf-lanes.ts'
import { isPasswordHash, type PasswordVerifier } from './password-hash.ts'
import type { Principal } from './principal.ts'

/**
 * Credentials file (YAML, or JSON — a subset of YAML — for large fleets), validated with zod; every problem is reported:
 *   principals:
 *     - { username: manager, role: manager, passwordHash: "scrypt$..." }
 *     - { username: host-1, role: device, tenantId: demo, hostId: host-1, passwordHash: "scrypt$..." }
 *     - { username: reader, role: integrator, tenantId: demo, passwordHash: "scrypt$..." }   # no tenantId = global
 * Hashes come from `amt-broker hash-password`; plain passwords are not accepted in the file.
 */
const Username = z.string().min(1).max(128)
const PasswordHash = z
  .string()
  .refine(isPasswordHash, { message: 'passwordHash must be an scrypt hash printed by `amt-broker hash-password`' })

const FileEntry = z.discriminatedUnion('role', [
  z.strictObject({
    username: Username,
    passwordHash: PasswordHash,
    role: z.literal('device'),
    tenantId: TenantId,
    hostId: HostId,
  }),
  z.strictObject({ username: Username, passwordHash: PasswordHash, role: z.literal('manager') }),
  z.strictObject({
    username: Username,
    passwordHash: PasswordHash,
    role: z.literal('integrator'),
    tenantId: TenantId.optional(),
  }),
])

const CredentialFile = z.strictObject({ principals: z.array(FileEntry) }).superRefine(({ principals }, ctx) => {
  const seen = new Set<string>()
  principals.forEach(({ username }, index) => {
    if (seen.has(username))
      ctx.addIssue({
        code: 'custom',
        path: ['principals', index, 'username'],
        message: `duplicate username ${JSON.stringify(username)}`,
      })
    seen.add(username)
  })
})

export type CredentialFileLoad = { ok: true; entries: CredentialEntry[] } | { ok: false; problems: string[] }

export async function readCredentialFile(file: string): Promise<CredentialFileLoad> {
  let value: unknown
  try {
    value = parseCredentialText(await readFile(file, 'utf8'))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return { ok: false, problems: [`cannot load credentials ${file}: ${code ?? (err as Error).message}`] }
  }
  const parsed = CredentialFile.safeParse(value ?? { principals: [] })
  if (!parsed.success) {
    return { ok: false, problems: describeIssues(parsed.error) }
  }
  return { ok: true, entries: parsed.data.principals }
}

/**
 * A file that is JSON is read by the JSON parser: the same value YAML would give, ~20 times faster and with a
 * fraction of the memory at 100 000 principals (docs/benchmarks.md, "100,000 nodes"). Anything else — or a file
 * that only starts like JSON — is YAML.
 */
function parseCredentialText(text: string): unknown {
  if (/^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text) as unknown
    } catch {
      // A YAML flow mapping or sequence that is not JSON: the YAML parser reads it (and reports its errors).
    }
  }
  return parseYaml(text) as unknown
}

export interface FileCredentialStoreOptions {
  /** How hashes are checked; default: one KdfLanes for the store's whole life (reloads included). */
  verify?: PasswordVerifier
}

/** A CredentialStore read from a YAML file; `reload()` swaps in a new, fully validated set or keeps the old one. */
export class FileCredentialStore implements CredentialStore {
  readonly file: string
  readonly #verify: PasswordVerifier
  #current: MemoryCredentialStore

  private constructor(file: string, current: MemoryCredentialStore, verify: PasswordVerifier) {
    this.file = file
    this.#current = current
    this.#verify = verify
  }

  static async load(
    file: string,
    options: FileCredentialStoreOptions = {},
  ): Promise<{ ok: true; store: FileCredentialStore } | { ok: false; problems: string[] }> {
    const verify = options.verify ?? new KdfLanes().verify
    const built = await buildStore(file, verify)
    return built.ok ? { ok: true, store: new FileCredentialStore(file, built.store, verify) } : built
  }

  /** Re-reads the file; on problems the previous credentials stay in force. */
  async reload(): Promise<{ ok: true; count: number } | { ok: false; problems: string[] }> {
    const built = await buildStore(this.file, this.#verify)
    if (!built.ok) return built
    this.#current = built.store
    return { ok: true, count: built.store.size }
  }

  verifyPassword(username: string, password: Buffer | string): Promise<Principal | null> {
    return this.#current.verifyPassword(username, password)
  }

  principalForCertificate(cert: PeerCertificate): Principal | null {
    return this.#current.principalForCertificate(cert)
  }
}

async function buildStore(
  file: string,
  verify: PasswordVerifier,
): Promise<{ ok: true; store: MemoryCredentialStore } | { ok: false; problems: string[] }> {
  const loaded = await readCredentialFile(file)
  if (!loaded.ok) return loaded
  // Unknown users are checked against a decoy hash as costly as the file's hashes of names of their kind.
  const store = new MemoryCredentialStore({ verify })
  for (const entry of loaded.entries) await store.add(entry)
  return { ok: true, store }
}
