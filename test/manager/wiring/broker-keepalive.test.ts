import { once } from 'node:events'
import test from 'ava'
import type { Client } from 'aedes'
import { silentLogger } from '../../../lib/log.ts'
import { ENV_BROKER_PASSWORD, parseManagerConfig, type ManagerConfig } from '../../../manager/config/config.ts'
import { externalBroker } from '../../../manager/wiring/broker-link.ts'
import { startTestBroker } from '../../helpers/broker.ts'

const parse = (document: unknown, env: NodeJS.ProcessEnv = {}) =>
  parseManagerConfig(document, { env, baseDir: '/etc/amt', readFile: () => '' })

function ok(result: ReturnType<typeof parse>): ManagerConfig {
  if (!result.ok) throw new Error(result.problems.join('\n'))
  return result.config
}

test('broker.external.keepaliveSeconds: 30 by default, 5 to 3600, and said in the CONNECT the manager sends', async (t) => {
  const broker = await startTestBroker(t)
  const account = await broker.addManager()
  const document = (fields: object) => ({
    broker: { external: { url: broker.url, username: account.username, ...fields } },
  })
  const env = { [ENV_BROKER_PASSWORD]: account.password }
  t.like(ok(parse(document({}), env)).broker, { mode: 'external', keepaliveSeconds: 30 })
  t.false(parse(document({ keepaliveSeconds: 4 }), env).ok)
  t.false(parse(document({ keepaliveSeconds: 3601 }), env).ok)

  const config = ok(parse(document({ keepaliveSeconds: 90 }), env))
  const link = await externalBroker(config, { log: silentLogger() })
  // aedes keeps 1.5 × the CONNECT's keep alive in ms (+1) as the client's deadline: the value the manager sent.
  const connected = once(broker.broker.aedes, 'clientReady') as Promise<[Client]>
  const bus = link.createBus(silentLogger())
  t.teardown(() => bus.close(true))
  bus.start({ onMessage: () => undefined, onReady: () => undefined })
  const [client] = await connected
  t.is((client as unknown as { _keepaliveInterval: number })._keepaliveInterval, 90 * 1500 + 1)
})
