import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'ava'
import { createTestPki } from '../../helpers/certs.ts'
import { startApi } from '../api/api-harness.ts'
import { runCli } from './run-cli.ts'

async function setup(t: Parameters<typeof startApi>[0]) {
  const api = await startApi(t)
  await api.inventory.createTenant({ tenantId: 'acme' })
  const pki = await createTestPki()
  t.teardown(() => pki.remove())
  const ca = await pki.createCa('acme-root')
  const leaf = await ca.issueServer()
  const chainFile = path.join(api.dir, 'chain.pem')
  await writeFile(chainFile, `${leaf.cert.toString()}\n${ca.cert.toString()}`)
  const keyFile = path.join(api.dir, 'with-key.pem')
  await writeFile(keyFile, `${leaf.cert.toString()}\n${leaf.key.toString()}`)
  const cliAs = async (role: 'admin' | 'operator') => {
    const token = await api.token(role, 'acme', role)
    return (args: string[]) => runCli({ AMT_MANAGER_URL: api.url, AMT_MANAGER_TOKEN: token }, args)
  }
  return { api, chainFile, keyFile, admin: await cliAs('admin'), operator: await cliAs('operator') }
}

test('tenants acm-certificate set, show and remove print what the API answers', async (t) => {
  const { api, chainFile, admin, operator } = await setup(t)
  const none = await operator(['tenants', 'acm-certificate', 'show', 'acme'])
  t.deepEqual([none.code, none.stdout], [0, 'no ACM provisioning certificate for acme\n'])

  const set = await admin([
    'tenants',
    'acm-certificate',
    'set',
    'acme',
    '--chain-file',
    chainFile,
    '--domain-suffix',
    'corp.example.com',
  ])
  t.is(set.code, 0, set.stderr)
  t.regex(
    set.stdout,
    /^stored the ACM provisioning certificate of acme: \S+ for corp\.example\.com, not after \S+, root [0-9a-f]{64}\n/,
  )
  t.regex(
    set.stdout,
    /^warning: api localhost: the provisioning certificate expires in 0 days/m,
    'a one-day certificate warns',
  )
  t.deepEqual(
    (await api.acmCertificates('acme')).map((facts) => facts.domainSuffix),
    ['corp.example.com'],
  )

  const show = await operator(['tenants', 'acm-certificate', 'show', 'acme'])
  t.is(show.code, 0, show.stderr)
  const lines = show.stdout.trimEnd().split('\n')
  t.regex(lines[0] ?? '', /^SOURCE\s+COMMON NAME\s+DOMAIN SUFFIX\s+NOT AFTER\s+ROOT SHA-256\s+UPDATED\s+ACTOR$/)
  t.regex(lines[1] ?? '', /^api\s+\S+\s+corp\.example\.com\s+\S+\s+[0-9a-f]{64}\s+\S+\s+api:admin$/)
  const json = await operator(['tenants', 'acm-certificate', 'show', 'acme', '--json'])
  t.like(JSON.parse(json.stdout), [{ source: 'api', domainSuffix: 'corp.example.com', actor: 'api:admin' }])

  const denied = await operator(['tenants', 'acm-certificate', 'remove', 'acme'])
  t.deepEqual([denied.code, /^error: FORBIDDEN: /.test(denied.stderr)], [1, true])
  const removed = await admin(['tenants', 'acm-certificate', 'remove', 'acme'])
  t.is(removed.stdout, 'removed the ACM provisioning certificate of acme set through the API\n')
  const again = await admin(['tenants', 'acm-certificate', 'remove', 'acme', '--json'])
  t.deepEqual(JSON.parse(again.stdout), { removed: false })
  t.deepEqual(await api.acmCertificates('acme'), [])
})

test('tenants acm-certificate set: a private key is refused and not echoed; a missing file is a usage error', async (t) => {
  const { api, keyFile, admin } = await setup(t)
  const withKey = await admin(['tenants', 'acm-certificate', 'set', 'acme', '--chain-file', keyFile])
  t.is(withKey.code, 1)
  t.regex(withKey.stderr, /^error: BAD_REQUEST: the chain holds a private key/)
  t.false(withKey.stderr.includes('PRIVATE KEY'))
  t.deepEqual(await api.acmCertificates('acme'), [])

  const missing = path.join(api.dir, 'absent.pem')
  const noFile = await admin(['tenants', 'acm-certificate', 'set', 'acme', '--chain-file', missing])
  t.deepEqual([noFile.code, noFile.stderr], [2, `error: cannot read the chain file ${missing} (ENOENT)\n`])
  const unknown = await admin(['tenants', 'acm-certificate', 'show', 'ghost'])
  t.deepEqual([unknown.code, /^error: TENANT_NOT_FOUND: /.test(unknown.stderr)], [1, true])
})
