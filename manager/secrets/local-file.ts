import { access, constants, mkdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { writeFileAtomic } from './atomic-file.ts'
import { SecretStoreError, type SecretStoreErrorDetails } from './errors.ts'
import type { AmtSecret, HostKey, PutOptions, SecretStore, SecretStoreHealth } from './port.ts'
import { hostSecretPath, recordOf, secretOf, tenantSecretPath } from './secret-paths.ts'

export interface LocalFileStoreOptions {
  /** The store's directory (e.g. <dataDir>/secrets); created with mode 0700 when missing. */
  dir: string
  /** Test seam: runs between the complete temp file and its rename (simulates a crash by throwing). */
  beforeCommit?: (tempFile: string, file: string) => void | Promise<void>
}

/**
 * The embedded default SecretStore: one small JSON file per secret below `dir`, mirroring the Vault layout:
 *   <dir>/<tenantId>/tenant.json          the tenant's password (static policy)
 *   <dir>/<tenantId>/hosts/<hostId>.json  a host's password (random policy)
 * Files are 0600 in 0700 directories, written atomically (temp file + fsync + rename), so a crash leaves the old
 * secret or the new one. SINGLE MACHINE ONLY: nothing is shared between manager replicas and nothing is
 * encrypted beyond file permissions; use Vault for anything else.
 */
export function createLocalFileSecretStore({ dir, beforeCommit }: LocalFileStoreOptions): SecretStore {
  const root = path.resolve(dir)
  let closed = false

  const fileOf = (segments: string[]): string => `${path.join(root, ...segments)}.json`

  async function read(segments: string[], where: SecretStoreErrorDetails): Promise<AmtSecret | null> {
    assertOpen()
    let text: string
    try {
      text = await readFile(fileOf(segments), 'utf8')
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return null
      throw unavailable('read', err, where)
    }
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch {
      throw new SecretStoreError('SECRET_STORE_CORRUPT', { operation: 'read', reason: 'the file is not JSON', ...where })
    }
    return secretOf(data, where)
  }

  async function write(segments: string[], secret: AmtSecret, options: PutOptions, where: SecretStoreErrorDetails): Promise<boolean> {
    assertOpen()
    const file = fileOf(segments)
    const text = `${JSON.stringify(recordOf(secret))}\n`
    try {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
      return await writeFileAtomic(file, text, { onlyIfAbsent: options.onlyIfAbsent === true, ...(beforeCommit ? { beforeCommit } : {}) })
    } catch (err) {
      throw err instanceof SecretStoreError ? err : unavailable('write', err, where)
    }
  }

  async function remove(segments: string[], where: SecretStoreErrorDetails): Promise<void> {
    assertOpen()
    try {
      await rm(fileOf(segments), { force: true })
    } catch (err) {
      throw unavailable('delete', err, where)
    }
  }

  function assertOpen(): void {
    if (closed) throw new SecretStoreError('SECRET_STORE_CLOSED')
  }

  return {
    kind: 'local',
    getAmtPassword: async (key) => read(hostSecretPath(key), idsOf(key)),
    putAmtPassword: async (key, secret, options = {}) => write(hostSecretPath(key), secret, options, idsOf(key)),
    deleteHostSecrets: async (key) => remove(hostSecretPath(key), idsOf(key)),
    getTenantPassword: async (tenantId) => read(tenantSecretPath(tenantId), { tenantId }),
    putTenantPassword: async (tenantId, secret, options = {}) => write(tenantSecretPath(tenantId), secret, options, { tenantId }),
    deleteTenantSecrets: async (tenantId) => remove(tenantSecretPath(tenantId), { tenantId }),
    async health(): Promise<SecretStoreHealth> {
      if (closed) return { ok: false, kind: 'local', detail: 'closed' }
      try {
        await mkdir(root, { recursive: true, mode: 0o700 })
        await access(root, constants.R_OK | constants.W_OK)
        return { ok: true, kind: 'local' }
      } catch (err) {
        return { ok: false, kind: 'local', detail: `directory not usable (${errnoOf(err) ?? 'error'})` }
      }
    },
    close: () => {
      closed = true
      return Promise.resolve()
    },
  }
}

const idsOf = ({ tenantId, hostId }: HostKey): SecretStoreErrorDetails => ({ tenantId, hostId })

function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** A file system failure: only its errno code is kept (never the path or the message). */
function unavailable(operation: string, err: unknown, where: SecretStoreErrorDetails): SecretStoreError {
  return new SecretStoreError('SECRET_STORE_UNAVAILABLE', { operation, reason: `file system error ${errnoOf(err) ?? 'unknown'}`, ...where })
}
