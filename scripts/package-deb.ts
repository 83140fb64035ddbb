/**
 * Builds the agent's Debian package with dpkg-deb (docs/agent-deployment.md, "Install the package"):
 *
 *   npm run package:deb          → dist/amt-agent_<version>_all.deb: the bundle dist/amt-agent.mjs, needs nodejs (>= 20.19)
 *   npm run package:deb-static   → dist/amt-agent-static_<version>_<arch>.deb: the single executable dist/amt-agent
 *                                  (Node.js embedded), for nodes without Node.js; replaces amt-agent
 *
 *   tsx scripts/package-deb.ts [--static] [--agent <file>] [--out <dir>] [--xz-level 0-9]
 *
 * Both carry the agent as /usr/bin/amt-agent, the hardened unit, the example config (a conffile) and the maintainer
 * scripts of deploy/agent/deb/; the version is package.json's. Owners are root (--root-owner-group), modes set here.
 * Compression: xz, level 6 by default (the static package: ~22 MB; level 1, ~25 MB, takes a sixth of the CPU time).
 */
import { createHash } from 'node:crypto'
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { execa } from 'execa'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const DEPLOY = join(ROOT, 'deploy/agent')
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string }

const { values: args } = parseArgs({
  options: {
    static: { type: 'boolean', default: false },
    agent: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'dist') },
    'xz-level': { type: 'string', default: '6' },
  },
})

interface Flavour {
  name: string
  architecture: string
  agent: string
  fields: Record<string, string>
  summary: string
}

async function flavour(): Promise<Flavour> {
  if (!args.static) {
    return {
      name: 'amt-agent',
      architecture: 'all',
      agent: args.agent ?? join(ROOT, 'dist/amt-agent.mjs'),
      fields: { Depends: 'nodejs (>= 20.19)' },
      summary: 'Intel AMT activation agent (MQTT), runs on the system Node.js',
    }
  }
  const { stdout: architecture } = await execa('dpkg', ['--print-architecture'])
  return {
    name: 'amt-agent-static',
    architecture,
    agent: args.agent ?? join(ROOT, 'dist/amt-agent'),
    // The embedded runtime is the official/NodeSource node binary: glibc >= 2.28, libstdc++, libgcc (ldd).
    fields: {
      Depends: 'libc6 (>= 2.28), libgcc-s1, libstdc++6',
      Provides: 'amt-agent',
      Conflicts: 'amt-agent',
      Replaces: 'amt-agent',
    },
    summary: 'Intel AMT activation agent (MQTT), one executable with Node.js embedded',
  }
}

/** Files of the package: path inside the package → [source, mode]. */
function payload(target: Flavour): Record<string, [string, number]> {
  const doc = `usr/share/doc/${target.name}`
  return {
    'usr/bin/amt-agent': [target.agent, 0o755],
    'lib/systemd/system/amt-agent.service': [join(DEPLOY, 'amt-agent.service'), 0o644],
    'etc/amt-agent/config.example.yaml': [join(DEPLOY, 'config.example.yaml'), 0o644],
    [`${doc}/third-party-licenses.txt`]: [`${target.agent}.LEGAL.txt`, 0o644],
  }
}

function control(target: Flavour, installedKiB: number): string {
  const fields: Record<string, string> = {
    Package: target.name,
    Version: pkg.version,
    Architecture: target.architecture,
    Maintainer: 'amt-fleet maintainers <amt-fleet@example.com>',
    'Installed-Size': String(installedKiB),
    Section: 'admin',
    Priority: 'optional',
    ...target.fields,
    Description:
      `${target.summary}\n` +
      ' Detects Intel AMT on the node, enables LMS on capable nodes and activates or deactivates AMT through\n' +
      " Intel's rpc as the fleet manager asks over MQTT. The service is installed disabled: configure\n" +
      ' /etc/amt-agent/config.yaml and the broker password, then enable it.',
  }
  return (
    Object.entries(fields)
      .map(([key, value]) => `${key}: ${value}`)
      .join('\n') + '\n'
  )
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}

async function stage(target: Flavour, root: string): Promise<void> {
  for (const [path, [source, mode]] of Object.entries(payload(target))) {
    const file = join(root, path)
    await mkdir(dirname(file), { recursive: true, mode: 0o755 })
    await copyFile(source, file)
    await chmod(file, mode)
  }
  await writeFile(
    join(root, `usr/share/doc/${target.name}/copyright`),
    `amt-fleet ${pkg.version}\nLicense: ${pkg.license}\n` +
      'Bundled third-party code: third-party-licenses.txt' +
      (args.static
        ? '; the embedded Node.js runtime: MIT and others (https://github.com/nodejs/node/blob/main/LICENSE)\n'
        : '\n'),
  )
  const files = await listFiles(root)
  const sums = await Promise.all(
    files.map(
      async (file) =>
        `${createHash('md5')
          .update(await readFile(file))
          .digest('hex')}  ${relative(root, file)}`,
    ),
  )
  const bytes = (await Promise.all(files.map(async (file) => (await stat(file)).size))).reduce(
    (sum, size) => sum + size,
    0,
  )

  const meta = join(root, 'DEBIAN')
  await mkdir(meta, { mode: 0o755 })
  await writeFile(join(meta, 'control'), control(target, Math.ceil(bytes / 1024)))
  await writeFile(join(meta, 'conffiles'), '/etc/amt-agent/config.example.yaml\n')
  await writeFile(join(meta, 'md5sums'), `${sums.sort().join('\n')}\n`)
  for (const script of ['postinst', 'prerm', 'postrm']) {
    await copyFile(join(DEPLOY, 'deb', script), join(meta, script))
    await chmod(join(meta, script), 0o755)
  }
  for (const name of ['control', 'conffiles', 'md5sums']) await chmod(join(meta, name), 0o644)
  // Directories as dpkg should create them: /etc/amt-agent readable by root only (postinst enforces it too).
  await chmod(join(root, 'etc/amt-agent'), 0o750)
}

if (!/^[0-9]$/.test(args['xz-level'])) throw new Error(`--xz-level: expected 0 to 9, got ${args['xz-level']}`)
const target = await flavour()
const root = await mkdtemp(join(tmpdir(), 'amt-agent-deb-'))
try {
  await chmod(root, 0o755)
  await stage(target, root)
  await mkdir(args.out, { recursive: true })
  const deb = join(args.out, `${target.name}_${pkg.version}_${target.architecture}.deb`)
  await execa('dpkg-deb', ['--root-owner-group', '-Zxz', `-z${args['xz-level']}`, '--build', root, deb])
  console.log(`built ${deb}`)
} finally {
  await rm(root, { recursive: true, force: true })
}
