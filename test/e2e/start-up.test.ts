import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import test from 'ava'
import { writeManagerConfig } from './support/manager-process.ts'
import { BIN, freePort, spawnNode, tempDir } from './support/processes.ts'

test('`amt-manager serve` with a bad configuration prints every problem and exits 1', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-config-')
  const file = path.join(dir, 'bad.yaml')
  await writeFile(
    file,
    [
      'dataDir: ""',
      'api: { port: 70000 }',
      'broker: { external: { url: "http://broker", passwordFile: "missing" } }',
      'rps: { url: "http://rps.example.com" }',
      'deadlines: { activationMs: 5 }',
      'logLevel: info',
    ].join('\n'),
  )
  const child = spawnNode(t, BIN.manager, ['serve', '--config', file])
  t.deepEqual(await child.exited, { exitCode: 1, signal: null })
  for (const key of [
    'dataDir:',
    'api.port:',
    'broker.external.url:',
    'rps.url:',
    'deadlines.activationMs:',
    '(root): unknown key(s) logLevel',
  ]) {
    t.true(child.output().includes(key), `${key} in:\n${child.output()}`)
  }
})

test('`amt-manager serve` that cannot start (API port taken) says why and exits 2', async (t) => {
  const dir = await tempDir(t, 'amt-e2e-startup-')
  const taken = createServer().listen(0, '127.0.0.1')
  await once(taken, 'listening')
  t.teardown(() => taken.close())
  const apiPort = (taken.address() as { port: number }).port
  const mqttPort = await freePort()
  const configFile = await writeManagerConfig(dir, {
    dataDir: 'data',
    api: { port: apiPort },
    broker: { embedded: { tcp: { port: mqttPort } } },
  })
  const child = spawnNode(t, BIN.manager, ['serve', '--config', configFile])
  t.deepEqual(await child.exited, { exitCode: 2, signal: null }, child.output())
  t.regex(child.output(), /amt-manager: cannot start: .*EADDRINUSE/)
  t.regex(child.output(), /"module":"main".*"msg":"start-up failed"/)
})
