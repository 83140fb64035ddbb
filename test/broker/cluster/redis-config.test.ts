import test from 'ava'
import { readRedisPassword, redisSettings } from '../../../broker/cluster/redis-config.ts'
import { parseBrokerConfig } from '../../../broker/config.ts'
import { parseManagerConfig } from '../../../manager/config/config.ts'

const listeners = { tcp: { port: 0 } }

test('cluster.redis: exactly one of url, host or path; no password or database in the url; a safe key prefix', (t) => {
  const problems = (redis: Record<string, unknown>): string[] => {
    const parsed = parseBrokerConfig({ listeners, cluster: { redis } })
    return parsed.ok ? [] : parsed.problems
  }
  t.deepEqual(problems({ url: 'redis://10.0.0.5:6379' }), [])
  t.deepEqual(problems({ host: 'redis.internal', port: 6380, db: 2, keyPrefix: 'amt:' }), [])
  t.deepEqual(problems({ path: '/run/redis/redis.sock' }), [])
  t.regex(problems({})[0] ?? '', /cluster\.redis: give exactly one of url, host \(with port\) or path/)
  t.regex(problems({ url: 'redis://h:1', path: '/s' })[0] ?? '', /exactly one of/)
  t.regex(
    problems({ url: 'redis://:secret@h:6379' }).join('\n'),
    /cluster\.redis\.url: must not carry a user or password/,
  )
  t.false(problems({ url: 'redis://:secret@h:6379' }).join('\n').includes('secret'), 'the password is never echoed')
  t.regex(problems({ url: 'redis://h:6379/3' }).join('\n'), /cluster\.redis\.url: must not name a database: use db/)
  t.regex(problems({ url: 'http://h' }).join('\n'), /must be a redis:\/\/ or rediss:\/\/ \(TLS\) URL/)
  t.regex(problems({ path: '/s', port: 1 }).join('\n'), /cluster\.redis\.port: port goes with host/)
  t.regex(problems({ path: '/s', keyPrefix: 'a*' }).join('\n'), /cluster\.redis\.keyPrefix: letters, digits/)
  t.regex(problems({ path: '/s', password: 'x' }).join('\n'), /password/)
})

test('cluster.redis: relative paths resolve against the config file, the settings ioredis gets', (t) => {
  const parsed = parseBrokerConfig(
    { listeners, cluster: { redis: { path: 'redis.sock', passwordFile: 'redis.pass', db: 3 } } },
    '/etc/amt',
  )
  if (!parsed.ok) return t.fail(parsed.problems.join('\n'))
  const cluster = parsed.config.cluster
  if (cluster === undefined) return t.fail('no cluster section')
  t.is(cluster.redis.passwordFile, '/etc/amt/redis.pass')
  const problems: string[] = []
  const password = readRedisPassword(cluster, {
    fromEnv: undefined,
    key: 'cluster.redis',
    problems,
    readFile: () => 'pw\n',
  })
  t.deepEqual(problems, [])
  const settings = redisSettings(cluster, password)
  t.deepEqual(settings.connection, { path: '/etc/amt/redis.sock', db: 3 })
  t.is(settings.password?.reveal(), 'pw')
  t.is(JSON.stringify(settings).includes('pw"'), false, 'the password prints as [redacted]')

  const overTls = redisSettings({ redis: { url: 'rediss://[::1]:7000', db: 0, username: 'amt' } }, null)
  t.deepEqual(overTls.connection, { host: '::1', port: 7000, db: 0, username: 'amt', tls: {} })
  t.is(overTls.where, 'rediss://[::1]:7000')
})

test('broker.embedded.cluster: the password from AMT_MANAGER_REDIS_PASSWORD or passwordFile, never in the summary', (t) => {
  const document = { broker: { embedded: { cluster: { redis: { host: 'redis', passwordFile: 'missing.pass' } } } } }
  const unreadable = parseManagerConfig(document, {
    env: {},
    baseDir: '/srv',
    readFile: () => {
      throw Object.assign(new Error('no'), { code: 'ENOENT' })
    },
  })
  t.false(unreadable.ok)
  if (!unreadable.ok)
    t.true(
      unreadable.problems.includes(
        'broker.embedded.cluster.redis.passwordFile: cannot read /srv/missing.pass (ENOENT)',
      ),
    )

  const fromEnv = parseManagerConfig(document, { env: { AMT_MANAGER_REDIS_PASSWORD: 'from-env' }, baseDir: '/srv' })
  if (!fromEnv.ok) return t.fail(fromEnv.problems.join('\n'))
  t.is(fromEnv.config.credentials.redisPassword?.reveal(), 'from-env')
  t.false(JSON.stringify(fromEnv.config).includes('from-env'))
})
