import test from 'ava'
import { RedisLink } from '../../../broker/cluster/redis-link.ts'
import { silentLogger } from '../../../lib/log.ts'
import { startRedis } from '../../helpers/redis-server.ts'
import { socketSettings } from './cluster-pair.ts'

/**
 * aedes-persistence-redis fires some commands without awaiting them (putWill's LREM and RPUSH): once the connection
 * is closed they reject. The link gives every reply a handler, so no rejection is unhandled (it would stop the
 * service), while a caller that awaits a command still gets its error.
 */
test('a command nobody awaits on a closed connection rejects handled; an awaited one still throws', async (t) => {
  const redis = await startRedis(t)
  const link = new RedisLink(socketSettings(redis), silentLogger())
  const connection = link.open('persistence')
  await link.ready(30_000)
  await connection.set('k', 'v')
  await link.close()

  const unhandled: unknown[] = []
  const record = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', record)
  t.teardown(() => process.off('unhandledRejection', record))

  void connection.lrem('wills', 0, 'a')
  void connection.rpush('wills', 'a')
  await t.throwsAsync(connection.get('k'), { message: /Connection is closed/ })
  // unhandled rejections are reported after the microtask queue drains: two macrotask turns are past it
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
  t.deepEqual(unhandled, [])
})
