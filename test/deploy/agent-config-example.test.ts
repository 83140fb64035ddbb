import test from 'ava'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { AgentConfigFile, parseAgentConfig } from '../../agent/config.ts'
import { describeIssues } from '../../schemas/issues.ts'

const deployFile = (name: string) => fileURLToPath(new URL(`../../deploy/agent/${name}`, import.meta.url))
const exampleText = await readFile(deployFile('config.example.yaml'), 'utf8')
const unitText = await readFile(deployFile('amt-agent.service'), 'utf8')
const example: unknown = parseYaml(exampleText)

/** Dotted paths of every leaf of a plain object (arrays count as leaves). */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix]
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, prefix === '' ? key : `${prefix}.${key}`))
}

test('config.example.yaml is valid for the agent schema', (t) => {
  const parsed = AgentConfigFile.safeParse(example)
  t.true(parsed.success, parsed.success ? '' : describeIssues(parsed.error).join('\n'))
})

test('config.example.yaml loads as the agent would load it (secrets from files)', (t) => {
  const read: string[] = []
  const result = parseAgentConfig(example, {
    env: {},
    readFile: (path) => {
      read.push(path)
      return 'broker-secret\n'
    },
  })
  t.true(result.ok, result.ok ? '' : result.problems.join('\n'))
  t.true(read.includes('/run/credentials/amt-agent.service/broker-password'))
})

test('config.example.yaml shows every option that has a default', (t) => {
  const parsed = AgentConfigFile.parse(example)
  const documented = new Set(leafPaths(example))
  const missing = leafPaths(parsed).filter((path) => !documented.has(path))
  t.deepEqual(missing, [], 'options missing from deploy/agent/config.example.yaml')
})

test('the unit and the example config agree on the config path and the broker password credential', (t) => {
  t.regex(unitText, /^ExecStart=\S+ run --config \/etc\/amt-agent\/config\.yaml$/m)
  const credential = /^LoadCredential=([^:\s]+):/m.exec(unitText)?.[1]
  t.is(credential, 'broker-password')
  t.regex(
    exampleText,
    new RegExp(`^\\s*passwordFile: /run/credentials/amt-agent\\.service/${credential ?? 'none'}$`, 'm'),
  )
})
