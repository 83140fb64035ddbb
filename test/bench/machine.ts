import { execa } from 'execa'
import { readdir, readFile } from 'node:fs/promises'
import { cpus, release, totalmem } from 'node:os'

async function packageVersion(name: string): Promise<string> {
  const file = new URL(`../../node_modules/${name}/package.json`, import.meta.url)
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { version?: unknown }
  return typeof parsed.version === 'string' ? parsed.version : '?'
}

async function mosquittoVersion(): Promise<string> {
  // `mosquitto -h` prints "mosquitto version X.Y.Z" first and exits 3.
  const result = await execa('mosquitto', ['-h'], { reject: false, timeout: 5_000 })
  return /mosquitto version (\S+)/.exec(`${result.stdout}\n${result.stderr}`)?.[1] ?? 'not found'
}

/** One paragraph describing where and with what the benchmark ran. */
export async function describeMachine(): Promise<string> {
  const cores = cpus()
  const [aedes, mqtt, mosquitto] = await Promise.all([
    packageVersion('aedes'),
    packageVersion('mqtt'),
    mosquittoVersion(),
  ])
  return [
    `machine: ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}`,
    `versions: node ${process.version}, aedes ${aedes}, mqtt.js ${mqtt}, mosquitto ${mosquitto}`,
  ].join('\n')
}

/** User + system CPU time of a process in ms, from /proc (Linux only; undefined elsewhere). */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (clock ticks, 100/s).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return Number.isFinite(ticks) ? ticks * 10 : undefined
  } catch {
    return undefined
  }
}

const TICK_MS = 10 // /proc reports clock ticks (USER_HZ = 100)

/** utime + stime of `pid` and its live children, plus what its exited (waited-for) children used: ms. */
export async function processTreeCpuMs(pid: number): Promise<number | undefined> {
  const stat = async (id: string): Promise<string[] | undefined> => {
    try {
      const text = await readFile(`/proc/${id}/stat`, 'utf8')
      return text.slice(text.lastIndexOf(')') + 2).split(' ')
    } catch {
      return undefined // gone meanwhile
    }
  }
  const own = await stat(String(pid))
  if (own === undefined) return undefined
  // After the command name: [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime.
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const fields = await stat(entry)
    if (fields?.[1] === String(pid)) ticks += Number(fields[11]) + Number(fields[12])
  }
  return ticks * TICK_MS
}
