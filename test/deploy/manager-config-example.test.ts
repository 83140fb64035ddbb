import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import test from 'ava'
import { parse as parseYaml } from 'yaml'
import { ManagerConfigFile, parseManagerConfig } from '../../manager/config/config.ts'

const deployFile = (name: string) => fileURLToPath(new URL(`../../deploy/manager/${name}`, import.meta.url))
const EXAMPLES = ['config.example.yaml', 'config.production.example.yaml'] as const
const texts = Object.fromEntries(
  await Promise.all(EXAMPLES.map(async (name) => [name, await readFile(deployFile(name), 'utf8')] as const)),
)
const documentOf = (name: (typeof EXAMPLES)[number]): unknown => parseYaml(texts[name] ?? '')

/** Dotted paths of every leaf of a plain object (arrays count as leaves). */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.keys(value).length === 0)
    return [prefix]
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, prefix === '' ? key : `${prefix}.${key}`))
}

for (const name of EXAMPLES) {
  test(`${name} loads as the manager would load it (secrets from their files, never inline)`, (t) => {
    const read: string[] = []
    const result = parseManagerConfig(documentOf(name), {
      env: {},
      readFile: (file) => {
        read.push(file)
        return 'Example-Pa55word!\n'
      },
    })
    t.true(result.ok, result.ok ? '' : result.problems.join('\n'))
    t.false(
      /(password|token|secretId|ciraPassword):\s*\S/i.test(texts[name]?.replace(/(File|Env|Format):/g, '') ?? ''),
      'no secret value in the file',
    )
  })

  test(`${name} mentions every top-level section (set, or commented out)`, (t) => {
    const missing = Object.keys(ManagerConfigFile.shape).filter(
      (key) => !new RegExp(`^#? ?${key}:`, 'm').test(texts[name] ?? ''),
    )
    t.deepEqual(missing, [], `sections missing from deploy/manager/${name}`)
  })
}

test('config.production.example.yaml shows every option with a default of the integration sections', (t) => {
  const document = documentOf('config.production.example.yaml')
  const parsed = ManagerConfigFile.parse(document)
  const documented = new Set(leafPaths(document))
  const sections = ['api', 'secrets', 'passwords', 'dmt', 'grpc', 'deadlines', 'startup', 'log']
  const missing = leafPaths(parsed).filter(
    (path) => sections.some((section) => path.startsWith(`${section}.`)) && !documented.has(path),
  )
  t.deepEqual(missing, [], 'options missing from deploy/manager/config.production.example.yaml')
})
