import { SecretValue } from '../lib/secret-value.ts'

export type ReadFile = (file: string) => string

/**
 * A secret from the environment (wins when set and not empty) or from a file (trimmed); null when neither is
 * given. An unreadable or empty file is a problem under `key` (the file's path, never its content).
 */
export function readSecret(fromEnv: string | undefined, file: string | undefined, key: string, readFile: ReadFile, problems: string[]): SecretValue | null {
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

/** One problem per referenced file that cannot be read. */
export function checkReadable(files: ReadonlyArray<readonly [string, string | undefined]>, readFile: ReadFile, problems: string[]): void {
  for (const [key, file] of files) {
    if (file === undefined) continue
    try {
      readFile(file)
    } catch (err) {
      problems.push(`${key}: cannot read ${file} (${errorCode(err)})`)
    }
  }
}

export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code
  return 'unreadable'
}
