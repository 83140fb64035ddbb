import { lstat, mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import test from 'ava'
import { execa } from 'execa'
import { tempDir } from '../e2e/support/processes.ts'
import { AGENT_BUNDLE } from '../helpers/launchers.ts'
import { VERSION_LINE } from '../helpers/version-line.ts'
import { BUILD_TIMEOUT_MS, ROOT, debContents, debField, dpkg, runScript, scratchRoot } from '../helpers/deb-package.ts'

const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
const WANTS_LINK = 'etc/systemd/system/multi-user.target.wants/amt-agent.service'

/** The package's payload as `dpkg-deb --contents` lists it (directories end with `/`). */
function expectedContents(name: string, agentMode = '-rwxr-xr-x'): string[] {
  const doc = `usr/share/doc/${name}/`
  return [
    'drwxr-xr-x root/root ',
    'drwxr-xr-x root/root etc/',
    'drwxr-x--- root/root etc/amt-agent/',
    '-rw-r--r-- root/root etc/amt-agent/config.example.yaml',
    'drwxr-xr-x root/root lib/',
    'drwxr-xr-x root/root lib/systemd/',
    'drwxr-xr-x root/root lib/systemd/system/',
    '-rw-r--r-- root/root lib/systemd/system/amt-agent.service',
    'drwxr-xr-x root/root usr/',
    'drwxr-xr-x root/root usr/bin/',
    `${agentMode} root/root usr/bin/amt-agent`,
    'drwxr-xr-x root/root usr/share/',
    'drwxr-xr-x root/root usr/share/doc/',
    `drwxr-xr-x root/root ${doc}`,
    `-rw-r--r-- root/root ${doc}copyright`,
    `-rw-r--r-- root/root ${doc}third-party-licenses.txt`,
  ]
}

async function mode(file: string): Promise<string> {
  const { mode: bits, uid, gid } = await stat(file)
  return `${(bits & 0o7777).toString(8).padStart(4, '0')} ${uid}:${gid}`
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  )
}

/** The node package is built once for the tests of this file (they only read it), in a directory removed after them. */
const packageDir = await mkdtemp(path.join(tmpdir(), 'amt-deb-build-'))
test.after.always(() => rm(packageDir, { recursive: true, force: true }))
let nodePackage: Promise<string> | undefined

/** The amt-agent package of the built bundle (dist/, current: checked on import), as `npm run package:deb` makes it. */
function buildNodePackage(): Promise<string> {
  nodePackage ??= runScript('scripts/package-deb.ts', ['--agent', AGENT_BUNDLE, '--out', packageDir]).then(() =>
    path.join(packageDir, `amt-agent_${version}_all.deb`),
  )
  return nodePackage
}

test('amt-agent .deb: control fields, conffile, maintainer scripts, payload paths, modes and owners', async (t) => {
  t.timeout(BUILD_TIMEOUT_MS)
  const deb = await buildNodePackage()
  t.is(await debField(deb, 'Package'), 'amt-agent')
  t.is(await debField(deb, 'Version'), version)
  t.is(await debField(deb, 'Architecture'), 'all')
  t.is(await debField(deb, 'Depends'), 'nodejs (>= 20.19)')
  t.deepEqual(await debContents(deb), expectedContents('amt-agent'))

  const { stdout: info } = await execa('dpkg-deb', ['--info', deb])
  for (const script of ['postinst', 'prerm', 'postrm'])
    t.regex(info, new RegExp(`\\*\\s+${script}\\s+#!/bin/sh`), `${script} executable`)
  const control = await tempDir(t, 'amt-deb-control-')
  await execa('dpkg-deb', ['--control', deb, control])
  t.is(await readFile(path.join(control, 'conffiles'), 'utf8'), '/etc/amt-agent/config.example.yaml\n')
})

test('amt-agent .deb installs into a scratch root disabled and unconfigured, runs, and is removed and purged cleanly', async (t) => {
  t.timeout(BUILD_TIMEOUT_MS)
  const deb = await buildNodePackage()
  const root = await scratchRoot(t)
  const installed = await dpkg(root, ['-i', deb])
  t.regex(installed.all, /Setting up amt-agent/)

  t.is(await mode(path.join(root, 'etc/amt-agent')), '0750 0:0')
  t.is(await mode(path.join(root, 'var/lib/amt-agent')), '0700 0:0')
  t.is(await mode(path.join(root, 'usr/bin/amt-agent')), '0755 0:0')
  t.false(await exists(path.join(root, 'etc/amt-agent/config.yaml')), 'no config: the agent is not configured')
  t.false(await exists(path.join(root, WANTS_LINK)), 'not enabled by the package')
  const unit = await readFile(path.join(root, 'lib/systemd/system/amt-agent.service'), 'utf8')
  t.regex(unit, /^ConditionPathExists=\/etc\/amt-agent\/config\.yaml$/m, 'an enabled but unconfigured unit is skipped')
  t.regex((await execa(path.join(root, 'usr/bin/amt-agent'), ['--version'])).stdout, VERSION_LINE)

  // An upgrade (here: the same version again) puts modes right that someone changed.
  await chmod(path.join(root, 'etc/amt-agent'), 0o777)
  await dpkg(root, ['-i', deb])
  t.is(await mode(path.join(root, 'etc/amt-agent')), '0750 0:0')

  // The operator configures and enables it (offline, as an image build would); removal disables it.
  await writeFile(path.join(root, 'etc/amt-agent/config.yaml'), 'tenantId: acme\n', { mode: 0o640 })
  await writeFile(path.join(root, 'etc/amt-agent/broker-password'), 'not-a-real-password\n', { mode: 0o600 })
  await execa('systemctl', [`--root=${root}`, 'enable', 'amt-agent.service'])
  t.true(await exists(path.join(root, WANTS_LINK)))
  await dpkg(root, ['-r', 'amt-agent'])
  t.false(await exists(path.join(root, WANTS_LINK)), 'prerm disabled the unit')
  t.false(await exists(path.join(root, 'usr/bin/amt-agent')))
  t.true(await exists(path.join(root, 'etc/amt-agent/config.example.yaml')), 'a removed package keeps its conffile')
  t.true(await exists(path.join(root, 'etc/amt-agent/config.yaml')), 'and the operator configuration')

  await dpkg(root, ['-P', 'amt-agent'])
  t.false(await exists(path.join(root, 'etc/amt-agent')), 'purge deletes the configuration and the password')
  t.false(await exists(path.join(root, 'var/lib/amt-agent')), 'purge deletes the state')
})

test('amt-agent-static .deb: the single executable, no nodejs dependency, takes over from amt-agent, runs without node', async (t) => {
  t.timeout(BUILD_TIMEOUT_MS * 2)
  const dir = await tempDir(t, 'amt-deb-static-')
  await runScript('scripts/build-agent-sea.ts', [path.join(dir, 'amt-agent')])
  await runScript('scripts/package-deb.ts', [
    '--static',
    '--agent',
    path.join(dir, 'amt-agent'),
    '--out',
    dir,
    '--xz-level',
    '1',
  ])
  const { stdout: architecture } = await execa('dpkg', ['--print-architecture'])
  const deb = path.join(dir, `amt-agent-static_${version}_${architecture}.deb`)
  t.is(await debField(deb, 'Architecture'), architecture)
  t.notRegex(await debField(deb, 'Depends'), /nodejs/)
  for (const field of ['Provides', 'Conflicts', 'Replaces']) t.is(await debField(deb, field), 'amt-agent', field)
  t.deepEqual(await debContents(deb), expectedContents('amt-agent-static'))

  // A configured, enabled node switches from the bundle to the single executable.
  const root = await scratchRoot(t)
  await dpkg(root, ['-i', await buildNodePackage()])
  await writeFile(path.join(root, 'etc/amt-agent/config.yaml'), 'tenantId: acme\n', { mode: 0o640 })
  await execa('systemctl', [`--root=${root}`, 'enable', 'amt-agent.service'])
  await dpkg(root, ['-i', deb])
  // The package state (second letter of db:Status-Abbrev): amt-agent removed, its configuration left (c).
  const { stdout: states } = await execa('dpkg-query', [
    `--root=${root}`,
    '-W',
    '-f',
    '${Package} ${db:Status-Abbrev}\n',
  ])
  const installed = states
    .split('\n')
    .map((line) => line.trim().replace(/ .(.).*$/, ' $1'))
    .sort()
  t.deepEqual(installed, ['amt-agent c', 'amt-agent-static i'])
  t.true(await exists(path.join(root, WANTS_LINK)), 'still enabled: the replaced package did not disable the unit')
  t.true(await exists(path.join(root, 'lib/systemd/system/amt-agent.service')))
  const noNode = await tempDir(t, 'amt-empty-path-')
  const run = await execa(path.join(root, 'usr/bin/amt-agent'), ['version', '--json'], {
    env: { PATH: noNode },
    extendEnv: false,
  })
  t.like(JSON.parse(run.stdout), { app: 'amt-agent', version })

  // Purging what is left of amt-agent must not take the configuration the static package now uses.
  await dpkg(root, ['-P', 'amt-agent'])
  t.true(await exists(path.join(root, 'etc/amt-agent/config.yaml')))
  t.true(await exists(path.join(root, 'var/lib/amt-agent')))
})
