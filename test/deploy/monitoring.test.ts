import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import test, { type ExecutionContext } from 'ava'
import { execa } from 'execa'
import { parse as parseYaml } from 'yaml'
import { silentLogger } from '../../lib/log.ts'
import { parseManagerConfig } from '../../manager/config/config.ts'
import { startManager } from '../../manager/wiring/start-manager.ts'

const MONITORING = fileURLToPath(new URL('../../deploy/monitoring/', import.meta.url))
const ALERTS = path.join(MONITORING, 'alerts.yaml')
const DASHBOARD = path.join(MONITORING, 'grafana-dashboard.json')
/** The namespaces of the metrics the manager and the broker export (ours, and Node's process metrics). */
const OUR_METRIC = /^(amt|process|nodejs)_/

/** promtool from Debian's `prometheus` package (scripts/test.sh installs it). A missing promtool fails the test. */
async function promtool(args: string[]) {
  const result = await execa('promtool', args, { cwd: MONITORING, reject: false, timeout: 60_000 })
  if (result.failed && result.exitCode === undefined) {
    throw new Error(`promtool could not run (${result.code ?? result.message}): install Debian's prometheus package`)
  }
  return result
}

interface Rule {
  alert?: string
  expr?: string
  labels?: Record<string, string>
}
interface Panel {
  id?: number
  type?: string
  title?: string
  datasource?: { type?: string; uid?: string }
  targets?: Array<{ refId?: string; expr?: string }>
  panels?: Panel[]
}

const alertRules = async (): Promise<Rule[]> => {
  const document = parseYaml(await readFile(ALERTS, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }
  return document.groups.flatMap((group) => group.rules)
}
const dashboardPanels = async (): Promise<Panel[]> => {
  const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: Panel[] }
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])])
}

/** The metric names a PromQL expression uses (ours only; label values in quotes are not names). */
function metricNamesIn(expr: string): string[] {
  const unquoted = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')
  return [...new Set(unquoted.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [])].filter((name) => OUR_METRIC.test(name))
}

/**
 * The names a running manager (embedded broker) exports, from its /metrics over HTTP: every `# TYPE` line, with the
 * `_bucket`/`_sum`/`_count` series of histograms and summaries.
 */
async function exportedNames(t: ExecutionContext): Promise<Set<string>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'amt-monitoring-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const document = { dataDir, api: { port: 0 }, broker: { embedded: { tcp: { port: 0 } } } }
  const parsed = parseManagerConfig(document, { env: {} })
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'))
  const running = await startManager(parsed.config, { log: silentLogger() })
  t.teardown(() => running.close())
  const text = await (await fetch(`${running.apiUrl}/metrics`)).text()
  const names = new Set<string>()
  for (const [, name = '', type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name)
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`)
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`)
  }
  return names
}

test('alerts.yaml is a valid Prometheus rule file (promtool check rules)', async (t) => {
  const result = await promtool(['check', 'rules', 'alerts.yaml'])
  t.is(result.exitCode, 0, `${result.stdout}\n${result.stderr}`)
  t.regex(result.stdout, /SUCCESS: \d+ rules found/)
})

test('alerts.yaml passes its unit tests (promtool test rules alerts.test.yaml)', async (t) => {
  const result = await promtool(['test', 'rules', 'alerts.test.yaml'])
  t.is(result.exitCode, 0, `${result.stdout}\n${result.stderr}`)
})

test('the alerts cover what an operator must hear about, each with a severity', async (t) => {
  const rules = await alertRules()
  const names = rules.map((rule) => rule.alert)
  const expected = [
    'AmtActivationFailuresRising',
    'AmtActivationsPastDeadline',
    'AmtManagerNotReady',
    'AmtBrokerRefusingConnections',
    'AmtDependencyUnreachable',
  ]
  for (const name of expected) t.true(names.includes(name), name)
  for (const rule of rules) {
    t.true(['warning', 'critical'].includes(rule.labels?.severity ?? ''), `${rule.alert} has a severity`)
  }
  const failures = rules.find((rule) => rule.alert === 'AmtActivationFailuresRising')
  t.notRegex(failures?.expr ?? '', /not_supported/, 'nodes without AMT are no failure')
})

test('the Grafana dashboard is JSON whose panels each query Prometheus', async (t) => {
  const panels = await dashboardPanels()
  const ids = panels.map((panel) => panel.id)
  t.is(new Set(ids).size, ids.length, 'panel ids are unique')
  const queried = panels.filter((panel) => panel.type !== 'row')
  t.true(queried.length >= 10)
  for (const panel of queried) {
    t.is(panel.datasource?.type, 'prometheus', `${panel.title}: datasource`)
    t.true((panel.targets ?? []).length > 0, `${panel.title}: has queries`)
    for (const target of panel.targets ?? []) {
      t.true((target.expr ?? '').trim().length > 0, `${panel.title} ${target.refId}: expr`)
    }
  }
  const titles = queried.map((panel) => panel.title ?? '').join('\n')
  for (const topic of [/state/i, /activation results/i, /activation duration/i, /messages received/i, /connections/i]) {
    t.regex(titles, topic)
  }
})

test('every metric the dashboard and the alerts query is exported by a running manager; docs list them', async (t) => {
  const exported = await exportedNames(t)
  const operations = await readFile(fileURLToPath(new URL('../../docs/operations.md', import.meta.url)), 'utf8')
  const documented = (name: string) => operations.includes(`\`${name}\``)
  const ours = [...exported].filter((name) => name.startsWith('amt_') && !/_(bucket|sum|count)$/.test(name))
  for (const name of ours) t.true(documented(name), `docs/operations.md lists ${name}`)
  t.true(exported.has('amt_manager_hosts') && exported.has('amt_broker_connections_refused_total'), 'the scrape worked')
  const queries = [
    ...(await dashboardPanels()).flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr ?? '' })),
    ),
    ...(await alertRules()).map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr ?? '' })),
  ]
  for (const { where, expr } of queries) {
    const names = metricNamesIn(expr)
    t.true(names.length > 0, `${where} uses a metric: ${expr}`)
    for (const name of names) t.true(exported.has(name), `${where}: ${name} is not exported`)
  }
})
