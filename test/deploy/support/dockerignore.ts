/**
 * The build context `docker build .` sends: the files of the repository (what git tracks, plus new files that are
 * not ignored, so an uncommitted change is tested too) minus what .dockerignore excludes. .dockerignore rules as
 * Docker reads them: one glob per line (`**` for any depth), `#` comments, `!` re-includes, a pattern that matches
 * a directory matches everything under it, and the last matching line decides.
 */
import path from 'node:path'
import { repositoryFiles } from '../../ship/support/production-copy.ts'

interface Rule {
  pattern: RegExp
  include: boolean
}

function parseDockerignore(text: string): Rule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => ({ include: line.startsWith('!'), pattern: globRegExp(line.replace(/^!/, '')) }))
}

/** Whether `file` (a path relative to the context) is sent to the build. */
function isInContext(file: string, rules: readonly Rule[]): boolean {
  let included = true
  for (const rule of rules) if (rule.pattern.test(file)) included = rule.include
  return included
}

/** The files of the repository that the build context holds, relative to its root. */
export async function contextFiles(dockerignore: string): Promise<string[]> {
  const rules = parseDockerignore(dockerignore)
  return (await repositoryFiles()).filter((file) => isInContext(file, rules))
}

/** `**` any number of path segments (dot files too), `*` and `?` within one; the path or anything under it. */
function globRegExp(glob: string): RegExp {
  const pattern = path.posix.normalize(glob.trim()).replace(/^\/+|\/+$/g, '')
  const regExpOf = (part: string): string => {
    if (part.startsWith('**')) return '.*'
    if (part === '*') return '[^/]*'
    if (part === '?') return '[^/]'
    return part.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(
    `^${pattern
      .split(/(\*\*\/?|\*|\?)/)
      .map(regExpOf)
      .join('')}(/.*)?$`,
  )
}
