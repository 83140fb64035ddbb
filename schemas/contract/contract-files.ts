import { readFileSync } from 'node:fs'
import { z } from 'zod'
import YAML from 'yaml'
import { LEAVES } from '../topics.ts'
import { buildAsyncApi } from './asyncapi.ts'
import { GENERATED_NOTE, payloadJsonSchema } from './json-schemas.ts'
import { generateMiniPayloads, MINI_PAYLOADS_PATH } from './mini-payloads.ts'
import { schemaFilePath } from './leaf-docs.ts'
import { ROLLOUT_PROGRESS_SCHEMA_PATH, rolloutProgressJsonSchema } from './rollout-contract.ts'

export const ASYNCAPI_PATH = 'docs/asyncapi.yaml'
export const SCHEMAS_DIR = 'docs/schemas'

/** Repository root, as a file URL ending in a slash. */
export const REPO_ROOT = new URL('../../', import.meta.url)

const PackageJson = z.object({ version: z.string().min(1), license: z.string().min(1) })

export function readPackageInfo(root: URL = REPO_ROOT): z.infer<typeof PackageJson> {
  return PackageJson.parse(JSON.parse(readFileSync(new URL('package.json', root), 'utf8')))
}

/**
 * Every generated contract file, keyed by its path relative to the repository root (posix separators).
 * Pure and deterministic: same schemas and package info, byte-identical output.
 */
export function generateContractFiles(info = readPackageInfo()): Record<string, string> {
  const files: Record<string, string> = {}
  for (const leaf of LEAVES)
    files[schemaFilePath(leaf)] = `${JSON.stringify(payloadJsonSchema(leaf, 'draft-2020-12'), null, 2)}\n`
  files[ROLLOUT_PROGRESS_SCHEMA_PATH] = `${JSON.stringify(rolloutProgressJsonSchema('draft-2020-12'), null, 2)}\n`
  // YAML 1.1 rules for quoting: strings that 1.1 parsers (js-yaml, PyYAML) would read as timestamps or booleans get
  // quoted, so the document means the same to every parser. No aliases: each object is written out in full.
  const yaml = YAML.stringify(buildAsyncApi(info), {
    version: '1.1',
    aliasDuplicateObjects: false,
    blockQuote: 'literal',
    lineWidth: 120,
    sortMapEntries: false,
  })
  files[ASYNCAPI_PATH] = `# ${GENERATED_NOTE}\n${yaml}`
  files[MINI_PAYLOADS_PATH] = generateMiniPayloads()
  return files
}
