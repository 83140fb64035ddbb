import { readFile, rename } from 'node:fs/promises'
import { z } from 'zod'
import { describeIssuesInline } from '../../../schemas/issues.ts'
import { StoredToken, TokenNameTakenError, type TokenStore } from './token-store.ts'

/** The JSON token file of releases before the token database (config `tokensFile`). */
const LegacyTokenFile = z.strictObject({ version: z.literal(1), tokens: z.array(StoredToken) })

/** Appended to the legacy file's name once its tokens are in the store: it is never imported twice. */
const IMPORTED_SUFFIX = '.imported'

export class LegacyTokenFileError extends Error {
  override readonly name = 'LegacyTokenFileError'
}

/** What happened to the legacy file (names only: never a hash). */
export type LegacyImport =
  | { outcome: 'imported'; file: string; renamedTo: string; names: string[]; alreadyThere: string[] }
  /** The store had tokens already: the file was left alone (it is not the truth any more). */
  | { outcome: 'store-not-empty'; file: string }

/**
 * Moves the tokens of the legacy JSON file into `store`, once: only when the file exists and the store is empty,
 * then renames the file to `<file>.imported`. Returns null when there is no file. Two processes importing at the
 * same moment (two replicas on one database) add each token once: a token the other one added already (same id or
 * same name) is counted in `alreadyThere`. LegacyTokenFileError when the file is not a valid token file (the file
 * is named, never its content).
 */
export async function importLegacyTokens(store: TokenStore, file: string): Promise<LegacyImport | null> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new LegacyTokenFileError(`cannot read the legacy API token file ${file}`, { cause: err })
  }
  if ((await store.list()).length > 0) return { outcome: 'store-not-empty', file }
  const tokens = parse(text, file)
  const names: string[] = []
  const alreadyThere: string[] = []
  for (const token of tokens) {
    try {
      await store.add(token)
      names.push(token.name)
    } catch (err) {
      const theirs = await store.get(token.id)
      if (!(err instanceof TokenNameTakenError) && theirs?.name !== token.name) throw err
      alreadyThere.push(token.name)
    }
  }
  const renamedTo = `${file}${IMPORTED_SUFFIX}`
  try {
    await rename(file, renamedTo)
  } catch (err) {
    // Another process importing at the same moment renamed it first.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  return { outcome: 'imported', file, renamedTo, names, alreadyThere }
}

function parse(text: string, file: string): StoredToken[] {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new LegacyTokenFileError(`the legacy API token file ${file} is not JSON`)
  }
  const parsed = LegacyTokenFile.safeParse(json)
  if (!parsed.success)
    throw new LegacyTokenFileError(
      `the legacy API token file ${file} is invalid: ${describeIssuesInline(parsed.error)}`,
    )
  return parsed.data.tokens
}
