import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { SecretValue } from './secret-value.ts'

/**
 * What the agent's and the manager's config loaders share: read a YAML file, read secrets from the environment or
 * files, check referenced files, freeze the result (zod issues become lines by schemas/issues.ts). Nothing here
 * throws on bad input: problems are collected and reported together.
 */

export type ReadFile = (file: string) => string

export const readUtf8: ReadFile = (file) => readFileSync(file, 'utf8')

/** The parsed YAML document of `file` (an empty file is `{}`), or the one problem that stopped it. */
export function readYamlFile(
  file: string,
  readFile: ReadFile = readUtf8,
): { ok: true; document: unknown } | { ok: false; problems: string[] } {
  let text: string
  try {
    text = readFile(file)
  } catch (err) {
    return { ok: false, problems: [`${file}: cannot read (${errorCode(err)})`] }
  }
  try {
    return { ok: true, document: parseYaml(text, { prettyErrors: true }) ?? {} }
  } catch (err) {
    return {
      ok: false,
      problems: [
        `${file}: not valid YAML: ${err instanceof Error ? (err.message.split('\n')[0] ?? '') : 'parse error'}`,
      ],
    }
  }
}

/**
 * A secret from the environment (wins when set and not empty) or from a file (trimmed); null when neither is
 * given. An unreadable or empty file is a problem under `key` (the file's path, never its content).
 */
export function readSecret(
  fromEnv: string | undefined,
  file: string | undefined,
  key: string,
  readFile: ReadFile,
  problems: string[],
): SecretValue | null {
  if (fromEnv !== undefined && fromEnv !== '') return new SecretValue(fromEnv)
  if (file === undefined) return null
  try {
    const value = readFile(file).trim()
    if (value === '') problems.push(`${key}: ${file} is empty`)
    return new SecretValue(value)
  } catch (err) {
    problems.push(`${key}: cannot read ${file} (${errorCode(err)})`)
    return null
  }
}

/** One problem per referenced file (key, path) that cannot be read. */
export function checkReadable(
  files: ReadonlyArray<readonly [string, string | undefined]>,
  readFile: ReadFile,
  problems: string[],
): void {
  for (const [key, file] of files) {
    if (file === undefined) continue
    try {
      readFile(file)
    } catch (err) {
      problems.push(`${key}: cannot read ${file} (${errorCode(err)})`)
    }
  }
}

/** The errno-style code of a failure (never its message, which may quote a path or content). */
export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code
  return 'unreadable'
}

/** Freezes a parsed config all the way down (SecretValues are left as they are). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof SecretValue) && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
