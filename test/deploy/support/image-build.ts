/**
 * `docker build` of one stage without a container engine: the stage's filesystem is a directory (`root`), the
 * stage's container paths map into it, and its RUN commands run with `sh -c` in `root` + WORKDIR, with the stage's
 * ARGs in their environment. The base image's tools (node, npm, the compilers) are the host's: the test checks they
 * are there. So a RUN may only use paths relative to its WORKDIR (checked), never the host's absolute ones.
 */
import { cp, mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { ROOT } from '../../helpers/launchers.ts'
import { type Instruction, type Stage, wordsOf } from './dockerfile.ts'
import { contextFiles } from './dockerignore.ts'

/** npm ci compiles or fetches; with a cold cache on a loaded 2-core machine that takes minutes. */
export const RUN_TIMEOUT_MS = 600_000

export interface BuiltStage {
  /** The host directory holding the stage's filesystem. */
  root: string
  workdir: string
  /** Every RUN command, in order, as it ran. */
  ran: string[]
}

/** A container path of a stage, on the host. */
export const inStage = (root: string, containerPath: string): string =>
  path.join(root, path.resolve('/', containerPath))

/**
 * Builds `stage` into `root` with the build context copied to `context` first: the files of the repository that
 * its .dockerignore lets through. `env` is what the base image's environment adds (an offline npm cache, ...).
 */
export async function buildStage(
  stage: Stage,
  root: string,
  context: string,
  env: Record<string, string>,
): Promise<BuiltStage> {
  const built: BuiltStage = { root, workdir: '/', ran: [] }
  const args: Record<string, string> = {}
  await copyContext(context)
  for (const instruction of stage.instructions) {
    const { keyword, text, line } = instruction
    if (keyword === 'ARG') {
      const [name = '', value = ''] = text.split('=')
      args[name] = value
    } else if (keyword === 'WORKDIR') {
      built.workdir = path.resolve(built.workdir, text)
      await mkdir(inStage(root, built.workdir), { recursive: true })
    } else if (keyword === 'COPY' && instruction.flags.from === undefined) {
      await copyInto(instruction, context, root, built.workdir)
    } else if (keyword === 'RUN') {
      await run(instruction, inStage(root, built.workdir), { ...env, ...args })
      built.ran.push(text)
    } else {
      throw new Error(`line ${line}: ${keyword} ${text} in a build stage is not emulated`)
    }
  }
  return built
}

async function copyContext(target: string): Promise<void> {
  const ignore = await readFile(path.join(ROOT, '.dockerignore'), 'utf8')
  for (const file of await contextFiles(ignore)) {
    await mkdir(path.dirname(path.join(target, file)), { recursive: true })
    await cp(path.join(ROOT, file), path.join(target, file))
  }
}

/**
 * COPY <src>... <dest> from the directory `from` into the stage at `root`: a directory source copies its contents;
 * several sources or a dest ending in / name a directory. Returns the destination's path on the host.
 */
export async function copyInto(instruction: Instruction, from: string, root: string, workdir: string): Promise<string> {
  const words = wordsOf(instruction)
  const sources = words.slice(0, -1)
  const dest = words.at(-1) ?? ''
  const destPath = inStage(root, path.resolve(workdir, dest))
  const intoDir = dest.endsWith('/') || sources.length > 1
  for (const source of sources) {
    const sourcePath = path.join(from, path.resolve('/', source))
    const target = intoDir && source !== '.' ? path.join(destPath, path.basename(sourcePath)) : destPath
    await cp(sourcePath, target, { recursive: true, verbatimSymlinks: true })
  }
  return destPath
}

async function run(instruction: Instruction, cwd: string, env: Record<string, string>): Promise<void> {
  const { text, line } = instruction
  if (instruction.exec !== undefined) throw new Error(`line ${line}: RUN in exec form is not emulated`)
  if (/(^|[\s=;&|])\//.test(text)) throw new Error(`line ${line}: RUN names an absolute path: ${text}`)
  const options = { cwd, env, timeout: RUN_TIMEOUT_MS, stdin: 'ignore', all: true, reject: false } as const
  const result = await execa('sh', ['-c', text], options)
  if (result.exitCode !== 0) {
    throw new Error(`line ${line}: RUN ${text} failed (${result.exitCode}):\n${result.all.slice(-3000)}`)
  }
}
