import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test, { type ExecutionContext } from 'ava'
import { silentLogger } from '../../../lib/log.ts'
import { parseManagerConfig } from '../../../manager/config/config.ts'
import { startManager, type RunningManager } from '../../../manager/wiring/start-manager.ts'
import { usePostgres } from '../../helpers/postgres-server.ts'
import { SseClient } from '../../helpers/sse-client.ts'

const freshDatabase = usePostgres(test)
const WAIT_MS = 60_000

/** A manager as `amt-manager serve` starts it on the shared database (its own embedded broker and data dir). */
async function startReplica(t: ExecutionContext, url: string, database: unknown = undefined): Promise<RunningManager> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-live-feed-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const document = {
    dataDir,
    api: { port: 0 },
    broker: { embedded: { tcp: { port: 0 } } },
    database: database ?? { engine: 'postgres', postgres: { url } },
  }
  const parsed = parseManagerConfig(document, { env: {} })
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
  const running = await startManager(parsed.config, { log: silentLogger() })
  t.teardown(() => running.close())
  return running
}

const metricsText = async (running: RunningManager) => (await fetch(`${running.apiUrl}/metrics`)).text()

test('startManager on PostgreSQL: a desired write through one replica’s API streams live from the other’s', async (t) => {
  t.timeout(4 * WAIT_MS)
  const url = await freshDatabase('live_feed_wiring')
  const a = await startReplica(t, url)
  const b = await startReplica(t, url)
  const admin = (await readFile(a.adminTokenFile, 'utf8')).trim()
  const call = (running: RunningManager, method: string, urlPath: string, body: unknown) =>
    fetch(`${running.apiUrl}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  t.is((await call(a, 'POST', '/api/v1/tenants', { tenantId: 'acme' })).status, 201)
  t.is((await call(a, 'POST', '/api/v1/tenants/acme/hosts', { hostId: 'node-1' })).status, 201)

  const answer = await SseClient.open(t, `${b.apiUrl}/api/v1/tenants/acme/hosts/changes`, { token: admin })
  const stream = answer.stream!
  await stream.named('ready')
  const patched = await call(a, 'PATCH', '/api/v1/tenants/acme/hosts/node-1/amt', { desiredAmtState: 'PROVISIONED' })
  t.is(patched.status, 200)
  const event = await stream.next(
    (candidate) =>
      candidate.event === 'host' &&
      (JSON.parse(candidate.data) as { desiredGeneration: number }).desiredGeneration === 1,
    { timeoutMs: WAIT_MS },
  )
  t.is((JSON.parse(event.data) as { desiredState: string }).desiredState, 'PROVISIONED')
  t.regex(await metricsText(b), /^amt_manager_change_feed_listen_connected 1$/m)
})

test('on SQLite there is no relay: the gauge stays 0', async (t) => {
  const running = await startReplica(t, '', { engine: 'sqlite' })
  t.regex(await metricsText(running), /^amt_manager_change_feed_listen_connected 0$/m)
})
