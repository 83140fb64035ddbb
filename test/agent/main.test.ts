import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test from 'ava'
import { runAgent } from '../../agent/main.ts'
import { SERVICE_EXIT } from '../../lib/service-exit.ts'

test('a placeholder host id stops the agent at start with the bad-config exit code and the reason', async (t) => {
  t.timeout(30_000) // before the fix the agent started and ran on (connecting to the broker)
  const dir = await mkdtemp(path.join(tmpdir(), 'agent-main-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'agent.yaml')
  await writeFile(
    file,
    'tenantId: acme\nhostId: 00000000-0000-0000-0000-000000000000\nbroker:\n  url: mqtt://127.0.0.1:1\n',
  )
  const lines: string[] = []
  t.is(await runAgent(file, (line) => lines.push(line)), SERVICE_EXIT.BAD_CONFIG)
  t.regex(
    lines.join('\n'),
    /^amt-agent: hostId in the config: 00000000-0000-0000-0000-000000000000 is a firmware placeholder UUID/,
  )
})
