import test from 'ava'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { directives, unitExposure, verifiableCopy, verifyUnit } from '../helpers/systemd-analyze.ts'

/** Exposure × 10 above which `systemd-analyze security` fails (1.2 for both when this was written). */
const MAX_EXPOSURE_TENTHS = 15

const deployFile = (path: string) => fileURLToPath(new URL(`../../deploy/${path}`, import.meta.url))
const UNITS = [
  { name: 'amt-manager.service', path: 'manager/amt-manager.service', app: 'amt-manager' },
  { name: 'amt-broker.service', path: 'broker/amt-broker.service', app: 'amt-broker' },
] as const
// Read before any test is declared: ava wants every test declared synchronously after the module's top-level awaits.
const unitTexts = await Promise.all(UNITS.map((unit) => readFile(deployFile(unit.path), 'utf8')))

for (const [index, unit] of UNITS.entries()) {
  const unitText = unitTexts[index] ?? ''

  test(`${unit.name} passes systemd-analyze verify without any warning`, async (t) => {
    const { complaints, exitCode, output } = await verifyUnit(await verifiableCopy(t, unitText, unit.name))
    t.deepEqual(complaints, [], `systemd-analyze verify complained:\n${output}`)
    t.is(exitCode, 0, output)
  })

  test(`${unit.name} exposure (systemd-analyze security --offline) stays at or below ${MAX_EXPOSURE_TENTHS / 10}`, async (t) => {
    const { score, exitCode, findings, output } = await unitExposure(
      await verifiableCopy(t, unitText, unit.name),
      MAX_EXPOSURE_TENTHS,
    )
    t.truthy(score, `no exposure score in:\n${output}`)
    t.log(`exposure ${score ?? '?'}`)
    t.is(exitCode, 0, findings)
  })

  test(`${unit.name}: unprivileged user, read-only system, config and secrets where the docs say`, (t) => {
    const lines = directives(unitText)
    const config = `/etc/${unit.app}/config.yaml`
    for (const expected of [
      `ExecStart=/usr/bin/node /opt/amt-fleet/bin/${unit.app}.js serve --config ${config}`,
      `ConditionPathExists=${config}`,
      'DynamicUser=yes',
      `User=${unit.app}`,
      `LoadCredential=secrets:/etc/${unit.app}/secrets`,
      'RestartPreventExitStatus=1',
      'CapabilityBoundingSet=',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'PrivateDevices=yes',
      'SystemCallFilter=~@privileged',
    ]) {
      t.true(lines.includes(expected), `missing ${expected}`)
    }
    t.false(
      lines.some((line) => line.startsWith('MemoryDenyWriteExecute=')),
      'MemoryDenyWriteExecute breaks Node',
    )
  })
}

test("amt-manager.service keeps the Inventory in its state directory: the example configs' dataDir", async (t) => {
  const lines = directives(await readFile(deployFile('manager/amt-manager.service'), 'utf8'))
  t.true(lines.includes('StateDirectory=amt-manager'))
  for (const example of ['manager/config.example.yaml', 'manager/config.production.example.yaml']) {
    const config = parseYaml(await readFile(deployFile(example), 'utf8')) as { dataDir?: unknown }
    t.is(config.dataDir, '/var/lib/amt-manager', example)
  }
})

test("amt-broker.service runs as the system user of its sysusers.d file (the credentials file's group)", async (t) => {
  const lines = directives(await readFile(deployFile('broker/amt-broker.service'), 'utf8'))
  const sysusers = directives(await readFile(deployFile('broker/amt-broker.sysusers.conf'), 'utf8'))
  t.deepEqual(
    sysusers.map((line) => line.split(/\s+/).slice(0, 2).join(' ')),
    ['u amt-broker'],
  )
  t.true(lines.includes('Group=amt-broker'))
  t.true(lines.includes('ExecReload=/bin/kill -HUP $MAINPID'), 'systemctl reload re-reads the credentials file')
})
