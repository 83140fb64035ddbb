import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Logger } from '../../lib/log.ts'
import { issueToken, type IssuedToken } from '../api/tokens/api-token.ts'
import { GLOBAL_SCOPE, TokenNameTakenError, type TokenStore } from '../api/tokens/token-store.ts'

/** The first admin token's file in the data directory. */
export const ADMIN_TOKEN_FILE_NAME = 'admin-token'
const BOOTSTRAP_ADMIN = 'bootstrap-admin'

/**
 * On the first start (no API token at all) creates a global admin token and writes it to `file` (mode 0600),
 * so the operator can use the API at once. The file holds the token line only (the token store keeps its hash);
 * it is written to a fresh temporary file (a stale one of a crash is removed first, so its mode cannot carry
 * over), set 0600 whatever the umask, then renamed. Only the file's path is logged, never the token. Replicas
 * starting together on one database may both find no token: the store lets one of them create it (the name is
 * unique), the other is told the name is taken and goes on without a file.
 */
export async function ensureAdminToken(tokens: TokenStore, file: string, log: Logger): Promise<boolean> {
  if ((await tokens.list()).length > 0) return false
  let issued: IssuedToken
  try {
    issued = await issueToken(tokens, { role: 'admin', tenant: GLOBAL_SCOPE, name: BOOTSTRAP_ADMIN })
  } catch (err) {
    if (!(err instanceof TokenNameTakenError)) throw err
    log.info(
      { tokenName: BOOTSTRAP_ADMIN },
      "another replica created the first admin token at the same moment: it is in that replica's admin-token file",
    )
    return false
  }
  const { token, info } = issued
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const temporary = `${file}.${process.pid}.tmp`
  await rm(temporary, { force: true })
  await writeFile(temporary, `${token}\n`, { mode: 0o600, flag: 'wx' })
  await chmod(temporary, 0o600)
  await rename(temporary, file)
  log.info(
    { file, tokenId: info.id, tokenName: info.name },
    'no API token existed: created a global admin token; it is in the file (shown nowhere else)',
  )
  return true
}
