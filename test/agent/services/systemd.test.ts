import test from 'ava'
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ServiceControlError } from '../../../agent/services/errors.ts'
import { createSystemdServiceControl, type SystemdServiceControlOptions } from '../../../agent/services/systemd.ts'
import { createLogger, silentLogger } from '../../../lib/log.ts'
import { serviceControlConformance, type InitialNodeState } from './service-control-conformance.ts'

const FIXTURES = fileURLToPath(new URL('../../fixtures/services-bin/', import.meta.url))

/** A temp node: fake systemctl/modprobe symlinked into bin/, their state in state/. */
interface FakeNode {
  root: string
  state: string
  systemctl: string
  modprobe: string
  sysModuleDir: string
  sysPciDriversDir: string
  calls(): Promise<string[]>
  set(flag: string, content?: string): Promise<void>
  remove(): Promise<void>
}

async function createFakeNode(initial: InitialNodeState & { masked?: boolean }): Promise<FakeNode> {
  const root = await mkdtemp(join(tmpdir(), 'amt-services-'))
  const bin = join(root, 'bin')
  const state = join(root, 'state')
  const sysModuleDir = join(state, 'sys', 'module')
  await mkdir(bin)
  const sysPciDriversDir = join(state, 'sys', 'bus', 'pci', 'drivers')
  await mkdir(sysModuleDir, { recursive: true })
  await mkdir(sysPciDriversDir, { recursive: true })
  await symlink(join(FIXTURES, 'systemctl'), join(bin, 'systemctl'))
  await symlink(join(FIXTURES, 'modprobe'), join(bin, 'modprobe'))
  const set = (flag: string, content = '') => writeFile(join(state, flag), content)
  if (initial.lms !== 'not-installed') await set('lms.installed')
  if (initial.lms === 'active') await set('lms.active')
  if (initial.masked === true) await set('lms.masked')
  if (initial.meiLoaded) await mkdir(join(sysModuleDir, 'mei_me'))
  return {
    root,
    state,
    systemctl: join(bin, 'systemctl'),
    modprobe: join(bin, 'modprobe'),
    sysModuleDir,
    sysPciDriversDir,
    set,
    async calls() {
      const text = await readFile(join(state, 'calls.log'), 'utf8').catch(() => '')
      return text.split('\n').filter((line) => line !== '')
    },
    remove: () => rm(root, { recursive: true, force: true }),
  }
}

function adapterFor(node: FakeNode, overrides: Partial<SystemdServiceControlOptions> = {}) {
  return createSystemdServiceControl({
    modprobe: [node.modprobe, 'mei_me'],
    systemctl: node.systemctl,
    sysModuleDir: node.sysModuleDir,
    sysPciDriversDir: node.sysPciDriversDir,
    log: silentLogger(),
    ...overrides,
  })
}

async function nodeFor(
  t: { teardown(fn: () => Promise<void>): void },
  initial: InitialNodeState & { masked?: boolean },
) {
  const node = await createFakeNode(initial)
  t.teardown(() => node.remove())
  return node
}

serviceControlConformance('systemd adapter', async (initial) => {
  const node = await createFakeNode({ ...initial, masked: initial.lms === 'inactive' })
  return {
    control: adapterFor(node),
    meiLoaded: () =>
      stat(join(node.sysModuleDir, 'mei_me')).then(
        (info) => info.isDirectory(),
        () => false,
      ),
    async effects() {
      const calls = await node.calls()
      return {
        meiLoads: calls.filter((line) => line.startsWith('modprobe ')).length,
        lmsStarts: calls.filter((line) => line === 'systemctl enable --now lms.service').length,
      }
    },
    teardown: () => node.remove(),
  }
})

test('systemd adapter: an active LMS is only queried, never unmasked or enabled', async (t) => {
  const node = await nodeFor(t, { lms: 'active', meiLoaded: true })
  await adapterFor(node).enableLms()
  t.deepEqual(await node.calls(), ['systemctl is-active lms.service'])
})

test('systemd adapter: a masked, inactive LMS is unmasked, enabled with --now, then confirmed', async (t) => {
  const lines: string[] = []
  const log = createLogger({
    name: 'test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
  })
  const node = await nodeFor(t, { lms: 'inactive', meiLoaded: true, masked: true })
  await adapterFor(node, { log }).enableLms()
  t.deepEqual(await node.calls(), [
    'systemctl is-active lms.service',
    'systemctl list-unit-files --no-legend --no-pager lms.service',
    'systemctl unmask lms.service',
    'systemctl enable --now lms.service',
    'systemctl is-active lms.service',
  ])
  const records = lines.map(
    (line) => JSON.parse(line) as { msg: string; module?: string; unit?: string; before?: string },
  )
  const enabled = records.find((record) => record.msg === 'LMS enabled and started')
  t.like(enabled, { module: 'services/systemd', unit: 'lms.service', before: 'inactive' })
})

test('systemd adapter: a missing lms.service is reported as not-installed and never enabled', async (t) => {
  const node = await nodeFor(t, { lms: 'not-installed', meiLoaded: true })
  const control = adapterFor(node)
  t.is(await control.lmsState(), 'not-installed')
  const err = await t.throwsAsync(control.enableLms(), { instanceOf: ServiceControlError })
  t.is(err?.code, 'LMS_NOT_INSTALLED')
  t.regex(err?.message ?? '', /lms\.service is not installed/)
  t.false((await node.calls()).some((line) => /unmask|enable/.test(line)))
})

test('systemd adapter: mei_me is loaded with the configured argv only when /sys/module/mei_me is absent', async (t) => {
  const absent = await nodeFor(t, { lms: 'inactive', meiLoaded: false })
  await adapterFor(absent).ensureMei()
  t.deepEqual(await absent.calls(), ['modprobe mei_me'])

  const present = await nodeFor(t, { lms: 'inactive', meiLoaded: true })
  await adapterFor(present).ensureMei()
  t.deepEqual(await present.calls(), [])
})

test('systemd adapter: a mei_me built into the kernel (only under /sys/bus/pci/drivers) is not modprobed', async (t) => {
  const node = await nodeFor(t, { lms: 'inactive', meiLoaded: false })
  await mkdir(join(node.sysPciDriversDir, 'mei_me'))
  await adapterFor(node).ensureMei()
  t.deepEqual(await node.calls(), [])
})

test('systemd adapter: a systemctl that cannot reach systemd gives a clear error', async (t) => {
  const node = await nodeFor(t, { lms: 'inactive', meiLoaded: true })
  await node.set('fail')
  const err = await t.throwsAsync(adapterFor(node).lmsState(), { instanceOf: ServiceControlError })
  t.is(err?.code, 'SERVICE_COMMAND_FAILED')
  t.is(err?.exitCode, 1)
  t.deepEqual(err?.command, [node.systemctl, 'is-active', 'lms.service'])
  t.regex(err?.message ?? '', /systemctl is-active lms\.service exited with 1: Failed to connect to bus/)
})

test("systemd adapter: a failing enable is reported with the command and systemctl's message", async (t) => {
  const node = await nodeFor(t, { lms: 'inactive', meiLoaded: true })
  await node.set('fail', 'enable')
  const err = await t.throwsAsync(adapterFor(node).enableLms(), { instanceOf: ServiceControlError })
  t.is(err?.code, 'SERVICE_COMMAND_FAILED')
  t.regex(err?.message ?? '', /systemctl enable --now lms\.service exited with 1: Failed to connect to bus/)
})

test('systemd adapter: an LMS that does not stay active after enable --now is reported', async (t) => {
  const node = await nodeFor(t, { lms: 'inactive', meiLoaded: true })
  await node.set('lms.no-start')
  const err = await t.throwsAsync(adapterFor(node).enableLms(), { instanceOf: ServiceControlError })
  t.is(err?.code, 'LMS_NOT_ACTIVE')
})

test('systemd adapter: a failing modprobe gives a clear error', async (t) => {
  const node = await nodeFor(t, { lms: 'inactive', meiLoaded: false })
  await node.set('modprobe.fail')
  const err = await t.throwsAsync(adapterFor(node).ensureMei(), { instanceOf: ServiceControlError })
  t.is(err?.code, 'SERVICE_COMMAND_FAILED')
  t.regex(err?.message ?? '', /modprobe mei_me exited with 1: modprobe: FATAL: Module mei_me not found/)
})

test('systemd adapter: a hanging systemctl is killed at the timeout', async (t) => {
  const node = await nodeFor(t, { lms: 'inactive', meiLoaded: true })
  await node.set('hang')
  const started = Date.now()
  const err = await t.throwsAsync(adapterFor(node, { commandTimeoutMs: 300 }).lmsState(), {
    instanceOf: ServiceControlError,
  })
  t.is(err?.code, 'SERVICE_COMMAND_TIMEOUT')
  t.regex(err?.message ?? '', /did not finish within 300 ms/)
  t.true(Date.now() - started < 30_000, 'killed at its timeout, not left hanging (bound generous for a loaded machine)')
})

test('systemd adapter: a missing systemctl executable gives a clear error', async (t) => {
  const node = await nodeFor(t, { lms: 'inactive', meiLoaded: true })
  const err = await t.throwsAsync(adapterFor(node, { systemctl: join(node.root, 'no-such-systemctl') }).lmsState(), {
    instanceOf: ServiceControlError,
  })
  t.is(err?.code, 'SERVICE_COMMAND_FAILED')
  t.regex(err?.message ?? '', /no-such-systemctl is-active lms\.service could not run/)
})

test('systemd adapter: unsafe configuration is refused at construction', (t) => {
  const log = silentLogger()
  t.throws(() => createSystemdServiceControl({ lmsUnit: '--all', log }), { message: /invalid lmsUnit/ })
  t.throws(() => createSystemdServiceControl({ lmsUnit: '../lms.service', log }), { message: /invalid lmsUnit/ })
  t.throws(() => createSystemdServiceControl({ modprobe: [], log }), { message: /invalid modprobe/ })
  t.throws(() => createSystemdServiceControl({ systemctl: '', log }), { message: /invalid systemctl/ })
})
