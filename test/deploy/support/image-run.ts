/**
 * The runtime stage of the image, assembled and run without a container engine.
 *
 * Assemble: the final stage may only COPY --from the build stage (no RUN: its base has no shell); its filesystem is
 * a directory holding what those COPY lines bring, plus the mount points of what the distroless base provides.
 * Run: like a container runtime, in a private mount namespace (`unshare -m`): that directory becomes a read-only
 * root (`unshare --root`), the base's node and libraries are the host's, bound read-only at the paths the base
 * has them (/nodejs/bin/node, /usr/lib); the declared VOLUME is a separate host directory bound read-write; config
 * and secret files are bound read-only; the command runs as the image's USER with no supplementary groups, in an
 * environment holding only what `docker run -e` would pass.
 */
import { chown, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type Instruction, type Stage, wordsOf } from './dockerfile.ts'
import { copyInto, inStage } from './image-build.ts'

/** What the distroless Node base image brings that the command needs: node, and glibc with libstdc++. */
const BASE_NODE = '/nodejs/bin/node'
const BASE_LIBRARIES = ['/usr/lib', '/usr/lib64'] as const

export interface ImageConfig {
  user: { uid: number; gid: number }
  volumes: string[]
  ports: number[]
  entrypoint: string[]
  cmd: string[]
  healthcheck: { flags: Record<string, string>; command: string[] }
  workdir: string
}

export async function assembleRuntime(stage: Stage, root: string, buildRoot: string): Promise<ImageConfig> {
  const config: Omit<ImageConfig, 'user' | 'healthcheck'> & Partial<ImageConfig> = {
    volumes: [],
    ports: [],
    entrypoint: [],
    cmd: [],
    workdir: '/',
  }
  for (const instruction of stage.instructions) {
    const { keyword, text, flags, line } = instruction
    if (keyword === 'WORKDIR') {
      config.workdir = path.resolve(config.workdir, text)
      await mkdir(inStage(root, config.workdir), { recursive: true })
    } else if (keyword === 'COPY') {
      if (flags.from === undefined) throw new Error(`line ${line}: the runtime stage copies from the build stage only`)
      const dest = await copyInto(instruction, buildRoot, root, config.workdir)
      if (flags.chown !== undefined) await chownTree(dest, ids(flags.chown))
    } else if (keyword === 'USER') config.user = ids(text)
    else if (keyword === 'VOLUME') config.volumes.push(...wordsOf(instruction))
    else if (keyword === 'EXPOSE') config.ports.push(...text.split(/\s+/).map(Number))
    else if (keyword === 'HEALTHCHECK') config.healthcheck = { flags, command: execOf(instruction) }
    else if (keyword === 'ENTRYPOINT') config.entrypoint = execOf(instruction)
    else if (keyword === 'CMD') config.cmd = execOf(instruction)
    else throw new Error(`line ${line}: ${keyword} in the runtime stage (distroless: no shell to run it)`)
  }
  const { user, healthcheck } = config
  if (user === undefined || healthcheck === undefined) throw new Error('the runtime stage needs USER and HEALTHCHECK')
  await baseImageMountPoints(root)
  return { ...config, user, healthcheck }
}

function execOf(instruction: Instruction): string[] {
  if (instruction.exec === undefined) {
    throw new Error(`line ${instruction.line}: ${instruction.keyword} must use the exec form (no shell)`)
  }
  return instruction.exec
}

/** `10001:10001` (numeric: the distroless base has no such user in /etc/passwd, and needs none). */
function ids(spec: string): { uid: number; gid: number } {
  const match = /^(\d+):(\d+)$/.exec(spec)
  if (match === null) throw new Error(`numeric uid:gid expected, not ${spec}`)
  return { uid: Number(match[1]), gid: Number(match[2]) }
}

async function chownTree(file: string, owner: { uid: number; gid: number }): Promise<void> {
  await chown(file, owner.uid, owner.gid)
  if (!(await stat(file)).isDirectory()) return
  for (const entry of await readdir(file)) await chownTree(path.join(file, entry), owner)
}

async function baseImageMountPoints(root: string): Promise<void> {
  await mkdir(inStage(root, path.dirname(BASE_NODE)), { recursive: true })
  await writeFile(inStage(root, BASE_NODE), '')
  for (const dir of [...BASE_LIBRARIES, '/proc', '/dev', '/tmp', '/etc']) {
    await mkdir(inStage(root, dir), { recursive: true })
  }
  // Debian 12's merged /usr: the dynamic loader is found at /lib64/ld-linux-x86-64.so.2
  for (const dir of BASE_LIBRARIES) await symlink(dir.slice(1), inStage(root, `/${path.basename(dir)}`))
}

export interface Mounts {
  /** Host directory → container path of each VOLUME (read-write). */
  volumes: Record<string, string>
  /** Host file → container path (read-only): the config, the secrets. */
  files: Record<string, string>
}

/** A container of the image rooted at `root` (the runtime stage's directory). */
export interface Container {
  root: string
  image: ImageConfig
  mounts: Mounts
}

/**
 * The argv (for the host, as root) that runs `command` in the container as the runtime would. `env` is the
 * container's whole environment. The last process execs the command: the argv's pid becomes the command's.
 */
export function containerArgv(container: Container, command: readonly string[], env: Record<string, string>): string[] {
  if (process.getuid?.() !== 0) throw new Error('running the image needs root (mount namespaces, bind mounts)')
  const { root, image, mounts } = container
  const q = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`
  const at = (containerPath: string): string => q(inStage(root, containerPath))
  const steps = [
    'set -e',
    `mount --bind ${q(root)} ${q(root)}`,
    `mount -o remount,bind,ro ${q(root)}`,
    `mount --bind -o ro ${q(process.execPath)} ${at(BASE_NODE)}`,
    ...BASE_LIBRARIES.map((dir) => `mount --bind -o ro ${q(dir)} ${at(dir)}`),
    `mount -t proc proc ${at('/proc')}`,
    `mount --rbind /dev ${at('/dev')}`,
    ...Object.entries(mounts.files).map(([file, target]) => `mount --bind -o ro ${q(file)} ${at(target)}`),
    ...Object.entries(mounts.volumes).map(([dir, target]) => `mount --bind ${q(dir)} ${at(target)}`),
    [
      'exec env -i',
      ...Object.entries(env).map(([key, value]) => q(`${key}=${value}`)),
      `unshare --root ${q(root)} --wd ${q(image.workdir)} --setgid ${image.user.gid} --setuid ${image.user.uid} --`,
      ...command.map(q),
    ].join(' '),
  ]
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', steps.join('\n')]
}

/** Creates the file mount points (config, secrets) in the image's tree before it becomes read-only. */
export async function fileMountPoints(root: string, mounts: Mounts): Promise<void> {
  for (const target of Object.values(mounts.files)) {
    await mkdir(path.dirname(inStage(root, target)), { recursive: true })
    await writeFile(inStage(root, target), '')
  }
}
