import { rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { parseManagerConfig } from '../../../manager/config/config.ts'
import { startManager } from '../../../manager/wiring/start-manager.ts'
import { reportStartFailure } from '../../../lib/service-exit.ts'
import { keyringOf } from '../../../manager/secrets/local-keys.ts'
import { createLocalSecretStore } from '../../../manager/secrets/local-sqlite.ts'
import { capturedLogger, kekText, tempDir, testKek } from './support.ts'

test('manager start, wrong secrets key: one clear line naming the key id, exit 2, no key or password', async (t) => {
  const dataDir = await tempDir(t, 'amt-manager-kek-')
  const right = testKek('k1')
  const sealed = createLocalSecretStore({ file: path.join(dataDir, 'secrets.db'), keyring: keyringOf(right) })
  await sealed.putAmtPassword({ tenantId: 'acme', hostId: 'h-1' }, { password: 'Zq8!NeverPrinted' })
  await sealed.close()
  const wrong = testKek('k1')
  const keyFile = path.join(dataDir, '..', `${path.basename(dataDir)}.kek`)
  await writeFile(keyFile, `${kekText(wrong)}\n`, { mode: 0o600 })
  t.teardown(() => rm(keyFile, { force: true }))
  const ports = { api: { port: 0 }, broker: { embedded: { tcp: { port: 0 } } } }
  const parsed = parseManagerConfig({ dataDir, ...ports, secrets: { kind: 'local', keyFile } }, { env: {} })
  if (!parsed.ok) return t.fail(parsed.problems.join('\n'))
  const { log, lines } = capturedLogger()
  const err = await t.throwsAsync(startManager(parsed.config, { log }))
  const printed: string[] = []
  t.is(
    reportStartFailure('amt-manager', err, log, (line) => printed.push(line)),
    2,
  )
  t.regex(printed[0] ?? '', /^amt-manager: cannot start: the key-encryption key does not open the stored secrets: /)
  t.regex(printed[0] ?? '', /the configured key\(s\) 'k1' open none of the secrets sealed under that id/)
  for (const leak of [wrong.key.toString('base64'), right.key.toString('base64'), 'Zq8!NeverPrinted']) {
    t.false(
      [...printed, ...lines].some((line) => line.includes(leak)),
      'neither key nor password is printed or logged',
    )
  }
})
