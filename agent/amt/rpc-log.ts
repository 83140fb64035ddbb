import { RpcLogLineOutput } from './rpc-output.ts'

/** One line rpc wrote to stderr: a logrus JSON or text line, or plain text (`level` 'text'). */
interface RpcLogLine {
  level: string
  msg: string
}

export interface RpcLog {
  lines: RpcLogLine[]
  /** Messages of level error, fatal or panic, in order. */
  errors: string[]
  /** The first error/fatal message: how rpc v2 reports an RPS failure while exiting 0. */
  firstError: string | undefined
  /** The last non-empty line's message, whatever its level (fallback text for a failure). */
  lastText: string | undefined
}

const ERROR_LEVELS = new Set(['error', 'fatal', 'panic'])
const LOGRUS_TEXT = /(?:^|\s)level=(\w+)(?:\s|$)/
const LOGRUS_MSG = /(?:^|\s)msg=(?:"((?:[^"\\]|\\.)*)"|(\S+))/

function parseJsonLine(text: string): RpcLogLine | undefined {
  if (!text.startsWith('{')) return undefined
  try {
    const parsed = RpcLogLineOutput.safeParse(JSON.parse(text))
    return parsed.success ? { level: parsed.data.level.toLowerCase(), msg: parsed.data.msg } : undefined
  } catch {
    return undefined
  }
}

function parseTextLine(text: string): RpcLogLine | undefined {
  const level = LOGRUS_TEXT.exec(text)?.[1]
  const msg = LOGRUS_MSG.exec(text)
  if (!level || !msg) return undefined
  const quoted = msg[1]
  return { level: level.toLowerCase(), msg: quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (msg[2] ?? '') }
}

/** Scans rpc's stderr: JSON log lines (`-json`), logrus text lines, anything else as plain text. */
export function scanRpcLog(stderr: string): RpcLog {
  const lines: RpcLogLine[] = []
  for (const raw of stderr.split(/\r?\n/)) {
    const text = raw.trim()
    if (text === '') continue
    lines.push(parseJsonLine(text) ?? parseTextLine(text) ?? { level: 'text', msg: text })
  }
  const errors = lines.filter((line) => ERROR_LEVELS.has(line.level)).map((line) => line.msg)
  return { lines, errors, firstError: errors[0], lastText: lines.at(-1)?.msg }
}
