import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { verifyToken } from '../../../manager/api/tokens/api-token.ts'
import { FileTokenStore } from '../../../manager/api/tokens/file-token-store.ts'
import { ADMIN_TOKEN_FILE_NAME, ensureAdminToken } from '../../../manager/wiring/start-manager.ts'
import { capturedLogger, tempDir } from './support.ts'

test('bootstrap admin token file: the token line only, mode 0600 even over a stale 0644 temporary file', async (t) => {
  const dir = await tempDir(t, 'amt-admin-token-')
  const file = path.join(dir, 'data', ADMIN_TOKEN_FILE_NAME)
  const tokens = new FileTokenStore(path.join(dir, 'api-tokens.json'))
  const { log, lines } = capturedLogger()
  // An earlier start crashed mid-write (same pid after a container restart): a world-readable temporary file.
  await mkdir(path.dirname(file), { recursive: true })
  const stale = `${file}.${process.pid}.tmp`
  await writeFile(stale, 'stale\n')
  await chmod(stale, 0o644)
  t.true(await ensureAdminToken(tokens, file, log))
  t.is((await stat(file)).mode & 0o777, 0o600)
  const text = await readFile(file, 'utf8')
  t.regex(text, /^amt_[0-9a-f]{16}_[A-Za-z0-9_-]+\n$/, 'the token and a newline, nothing else')
  t.like(await verifyToken(tokens, text.trim()), { role: 'admin', name: 'bootstrap-admin' })
  t.false(
    lines.some((line) => line.includes(text.trim())),
    'the token is never logged',
  )
  t.false(await ensureAdminToken(tokens, file, log), 'written on the first start only')
})
