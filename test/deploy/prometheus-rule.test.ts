import { readFile } from 'node:fs/promises'
import test from 'ava'
import { parse } from 'yaml'
import { ALERTS_FILE, RULE_FILE, prometheusRuleYaml } from '../../scripts/prometheus-rule.ts'
import { named, renderWith, schemaProblems, type K8sObject } from './kubernetes-support.ts'

test('the PrometheusRule of components/monitoring is generated from deploy/monitoring/alerts.yaml and up to date', async (t) => {
  const generated = prometheusRuleYaml(await readFile(ALERTS_FILE, 'utf8'))
  t.is(await readFile(RULE_FILE, 'utf8'), generated, 'stale: run npm run monitoring:generate')
})

for (const overlay of ['single', 'external']) {
  test(`${overlay} with components/monitoring: a valid PrometheusRule carrying every alert of alerts.yaml`, async (t) => {
    t.timeout(120_000)
    const objects = await renderWith(`overlays/${overlay}`, ['components/monitoring'])
    type Rule = K8sObject & { spec: { groups: Array<{ rules: Array<{ alert?: string }> }> } }
    const rule = named<Rule>(objects, 'PrometheusRule', 'amt-manager')
    if (rule === undefined) return t.fail('no PrometheusRule amt-manager rendered')
    t.deepEqual(await schemaProblems(rule), [])
    const { groups } = parse(await readFile(ALERTS_FILE, 'utf8')) as Rule['spec']
    const alerts = (spec: Rule['spec']) => spec.groups.flatMap((group) => group.rules.map((r) => r.alert))
    t.true(alerts(rule.spec).length > 0)
    t.deepEqual(alerts(rule.spec), alerts({ groups }))
  })
}
