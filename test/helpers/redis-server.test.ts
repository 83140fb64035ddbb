import { existsSync } from 'node:fs'
import test from 'ava'
import { Redis } from 'ioredis'
import { startRedis } from './redis-server.ts'

test('a private redis-server: unix socket and TCP, nothing persisted across a restart, stop removes its dir', async (t) => {
  const server = await startRedis(t)
  const overSocket = new Redis({ path: server.socketPath, lazyConnect: true, maxRetriesPerRequest: 0 })
  const overTcp = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 })
  t.teardown(() => {
    overSocket.disconnect()
    overTcp.disconnect()
  })
  await overSocket.connect()
  await overTcp.connect()
  await overSocket.set('mark', 'one')
  t.is(await overTcp.get('mark'), 'one')
  overSocket.disconnect()
  overTcp.disconnect()

  const firstPid = server.pid
  t.true(firstPid !== undefined && existsSync(`/proc/${firstPid}`))
  await server.kill('SIGKILL')
  t.is(server.pid, undefined)
  await server.start()
  t.not(server.pid, firstPid)
  const again = new Redis({ path: server.socketPath, lazyConnect: true, maxRetriesPerRequest: 0 })
  t.teardown(() => again.disconnect())
  await again.connect()
  t.is(await again.get('mark'), null)
  again.disconnect()

  await server.stop()
  t.false(existsSync(server.socketPath))
})

test('a private redis-server with a password refuses clients that do not AUTH', async (t) => {
  const server = await startRedis(t, { password: 'test-only-secret' })
  const anonymous = new Redis({ path: server.socketPath, lazyConnect: true, enableReadyCheck: false })
  const authed = new Redis({ path: server.socketPath, password: 'test-only-secret', lazyConnect: true })
  t.teardown(() => {
    anonymous.disconnect()
    authed.disconnect()
  })
  await authed.connect()
  t.is(await authed.ping(), 'PONG')
  await anonymous.connect()
  await t.throwsAsync(anonymous.get('x'), { message: /NOAUTH/ })
})
