/**
 * A Dockerfile reader for the instructions deploy/container/Dockerfile uses, as the Dockerfile reference defines
 * them: `\` line continuations, `#` comment lines (also inside a continuation), `--flag=value` options, exec form
 * (a JSON array) or shell form. Anything else (another instruction, `$` substitution outside RUN, an exec form
 * that is not a JSON array of strings) is an error, so the test never runs a step it does not understand.
 */
const KEYWORDS = [
  ...(['FROM', 'ARG', 'WORKDIR', 'COPY', 'RUN'] as const),
  ...(['USER', 'VOLUME', 'EXPOSE', 'HEALTHCHECK', 'ENTRYPOINT', 'CMD'] as const),
]
export type Keyword = (typeof KEYWORDS)[number]
const WITH_FLAGS: readonly Keyword[] = ['COPY', 'HEALTHCHECK']
const FLAG = /^--([a-z-]+)=(\S+)\s+/

export interface Instruction {
  keyword: Keyword
  /** `--name=value` options before the arguments. */
  flags: Record<string, string>
  /** The arguments after the flags, as written (shell form). */
  text: string
  /** The exec form's argv when `text` is a JSON array. */
  exec?: string[]
  line: number
}

export interface Stage {
  name: string
  /** An image reference, or the name of an earlier stage. */
  base: string
  instructions: Instruction[]
}

export function parseDockerfile(source: string): Stage[] {
  const stages: Stage[] = []
  for (const instruction of logicalLines(source).map(({ text, line }) => parseInstruction(text, line))) {
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)\s+AS\s+([a-z][a-z0-9_.-]*)$/i.exec(instruction.text)
      if (match === null) throw new Error(`line ${instruction.line}: FROM <image> AS <name> expected`)
      stages.push({ base: match[1] ?? '', name: (match[2] ?? '').toLowerCase(), instructions: [] })
    } else {
      const stage = stages.at(-1)
      if (stage === undefined) throw new Error(`line ${instruction.line}: ${instruction.keyword} before FROM`)
      stage.instructions.push(instruction)
    }
  }
  return stages
}

export function stageNamed(stages: readonly Stage[], name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name)
  if (stage === undefined) throw new Error(`no stage ${name} in the Dockerfile`)
  return stage
}

/** Every instruction of one keyword in a stage. */
export const instructionsOf = (stage: Stage, keyword: Keyword): Instruction[] =>
  stage.instructions.filter((instruction) => instruction.keyword === keyword)

/** The last instruction of a keyword (CMD, ENTRYPOINT, USER, HEALTHCHECK: the last one counts). */
export function lastOf(stage: Stage, keyword: Keyword): Instruction {
  const instruction = instructionsOf(stage, keyword).at(-1)
  if (instruction === undefined) throw new Error(`stage ${stage.name} has no ${keyword}`)
  return instruction
}

/** The words of an instruction: its exec form, else its text split at white space. */
export const wordsOf = (instruction: Instruction): string[] => instruction.exec ?? instruction.text.split(/\s+/)

function logicalLines(source: string): Array<{ text: string; line: number }> {
  const lines: Array<{ text: string; line: number }> = []
  let pending: { text: string; line: number } | undefined
  source.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim()
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return
    const continued = trimmed.endsWith('\\')
    const piece = continued ? trimmed.slice(0, -1).trim() : trimmed
    pending = { line: pending?.line ?? index + 1, text: pending === undefined ? piece : `${pending.text} ${piece}` }
    if (!continued) {
      lines.push(pending)
      pending = undefined
    }
  })
  if (pending !== undefined) throw new Error(`line ${pending.line}: a continuation runs past the end of the file`)
  return lines
}

function parseInstruction(text: string, line: number): Instruction {
  const match = /^([A-Za-z]+)\s+(.*)$/.exec(text)
  const keyword = KEYWORDS.find((known) => known === match?.[1]?.toUpperCase())
  if (match === null || keyword === undefined) throw new Error(`line ${line}: unsupported instruction: ${text}`)
  let rest = match[2] ?? ''
  const flags: Record<string, string> = {}
  for (let flag = FLAG.exec(rest); flag !== null && WITH_FLAGS.includes(keyword); flag = FLAG.exec(rest)) {
    flags[flag[1] ?? ''] = flag[2] ?? ''
    rest = rest.slice(flag[0].length)
  }
  if (keyword === 'HEALTHCHECK') {
    if (!rest.startsWith('CMD ')) throw new Error(`line ${line}: HEALTHCHECK CMD expected`)
    rest = rest.slice('CMD '.length).trim()
  }
  if (keyword !== 'RUN' && rest.includes('$')) throw new Error(`line ${line}: no variable substitution outside RUN`)
  return { keyword, flags, text: rest, line, ...(rest.startsWith('[') ? { exec: execForm(rest, line) } : {}) }
}

function execForm(text: string, line: number): string[] {
  const parsed: unknown = JSON.parse(text)
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((item) => typeof item === 'string')) {
    throw new Error(`line ${line}: the exec form must be a JSON array of strings`)
  }
  return parsed
}
