import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { describeIssuesInline } from '../../../schemas/issues.ts'
import { StoredToken, TokenNameTakenError, type TokenStore } from './token-store.ts'

const TokenFile = z.strictObject({ version: z.literal(1), tokens: z.array(StoredToken) })
type TokenFile = z.infer<typeof TokenFile>

export class TokenFileError extends Error {
  override readonly name = 'TokenFileError'
}

interface Loaded {
  /** Identity of the file version read: every write renames a new file over it, so the inode changes. */
  stamp: string
  tokens: StoredToken[]
}

/**
 * Tokens in a JSON file (mode 0600, directory 0700), shared by the running server and the local
 * `tokens create` command: reads re-check the file's identity (one stat) and reload it when it changed, so a
 * token created by the CLI works at once, and a removed one stops working at once. Writes re-read the file,
 * then replace it atomically (write a temporary file, rename). Writes of one process are serialised; two
 * processes writing at the same instant may lose one write (token management is rare and manual).
 */
export class FileTokenStore implements TokenStore {
  readonly #file: string
  #loaded: Loaded = { stamp: 'none', tokens: [] }
  #writing: Promise<unknown> = Promise.resolve()

  constructor(file: string) {
    this.#file = path.resolve(file)
  }

  get file(): string {
    return this.#file
  }

  async get(id: string): Promise<StoredToken | null> {
    return (await this.#read()).find((token) => token.id === id) ?? null
  }

  list(): Promise<StoredToken[]> {
    return this.#read()
  }

  add(token: StoredToken): Promise<void> {
    const parsed = StoredToken.parse(token)
    return this.#write((tokens) => {
      if (tokens.some((stored) => stored.name === parsed.name)) throw new TokenNameTakenError(parsed.name)
      return { tokens: [...tokens, parsed], result: undefined }
    })
  }

  remove(id: string): Promise<boolean> {
    return this.#write((tokens) => {
      const kept = tokens.filter((token) => token.id !== id)
      return { tokens: kept, result: kept.length !== tokens.length }
    })
  }

  async #read(): Promise<StoredToken[]> {
    const stamp = await this.#stamp()
    if (stamp !== this.#loaded.stamp) this.#loaded = { stamp, tokens: stamp === 'none' ? [] : await this.#parse() }
    return [...this.#loaded.tokens]
  }

  async #stamp(): Promise<string> {
    try {
      const info = await stat(this.#file)
      return `${info.ino}:${info.size}:${info.mtimeMs}`
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none'
      throw err
    }
  }

  async #parse(): Promise<StoredToken[]> {
    let json: unknown
    try {
      json = JSON.parse(await readFile(this.#file, 'utf8'))
    } catch (err) {
      throw new TokenFileError(`token file ${this.#file} is not readable JSON`, { cause: err })
    }
    const parsed = TokenFile.safeParse(json)
    if (!parsed.success) {
      throw new TokenFileError(`token file ${this.#file} is invalid: ${describeIssuesInline(parsed.error)}`)
    }
    return parsed.data.tokens
  }

  #write<T>(change: (tokens: StoredToken[]) => { tokens: StoredToken[]; result: T }): Promise<T> {
    const job = this.#writing.then(async () => {
      const { tokens, result } = change(await this.#read())
      const content: TokenFile = { version: 1, tokens }
      await mkdir(path.dirname(this.#file), { recursive: true, mode: 0o700 })
      const temporary = `${this.#file}.${process.pid}.tmp`
      await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 })
      await rename(temporary, this.#file)
      return result
    })
    this.#writing = job.catch(() => undefined)
    return job
  }
}
