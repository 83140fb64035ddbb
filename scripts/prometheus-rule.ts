/**
 * deploy/kubernetes/components/monitoring/prometheus-rule.yaml: the alert rules of deploy/monitoring/alerts.yaml
 * (the one source, checked by promtool) as a Prometheus Operator PrometheusRule. Kustomize cannot put a file's
 * content under `spec`, so the object is generated; test/deploy/prometheus-rule.test.ts fails when it is stale.
 *
 *   npm run monitoring:generate
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse, stringify } from 'yaml'

export const ALERTS_FILE = fileURLToPath(new URL('../deploy/monitoring/alerts.yaml', import.meta.url))
export const RULE_FILE = fileURLToPath(
  new URL('../deploy/kubernetes/components/monitoring/prometheus-rule.yaml', import.meta.url),
)

const HEADER = [
  '# Generated from deploy/monitoring/alerts.yaml by `npm run monitoring:generate`: edit that file, not this one.',
  '# Your Prometheus selects PrometheusRules by label (e.g. release: prometheus): add it in your overlay if it needs one.',
]

/** The PrometheusRule object's YAML for the rule file's text. */
export function prometheusRuleYaml(alertsText: string): string {
  const { groups } = parse(alertsText) as { groups: unknown[] }
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'amt-manager',
      labels: { 'app.kubernetes.io/name': 'amt-manager', 'app.kubernetes.io/part-of': 'amt-fleet' },
    },
    spec: { groups },
  }
  return `${HEADER.join('\n')}\n${stringify(rule, { lineWidth: 0 })}`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(RULE_FILE, prometheusRuleYaml(await readFile(ALERTS_FILE, 'utf8')))
  console.log(`wrote ${RULE_FILE}`)
}
