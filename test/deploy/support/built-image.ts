import path from 'node:path'
import { localSqlitePrebuild } from '../../helpers/sqlite-prebuild.ts'
import { type Stage, stageNamed } from './dockerfile.ts'
import { buildStage } from './image-build.ts'
import { assembleRuntime, type ImageConfig } from './image-run.ts'

export interface BuiltImage {
  /** The runtime stage's filesystem (the image). */
  root: string
  image: ImageConfig
  /** How long the build stage took, and how many RUN commands it ran. */
  buildSeconds: number
  runs: number
}

/**
 * The image of `stages` (the build stage named `build`, the last stage as the runtime) built under `dir`. The
 * build stage's base is the host, plus what an offline build needs: npm's cache first, better-sqlite3's binary
 * from the development install as a local prebuild (a site without network mirrors them the same way).
 */
export async function buildImage(dir: string, stages: readonly Stage[]): Promise<BuiltImage> {
  const runtime = stages.at(-1)
  if (runtime === undefined) throw new Error('the Dockerfile has no stage')
  const started = Date.now()
  const env = { npm_config_prefer_offline: 'true', ...(await localSqlitePrebuild(path.join(dir, 'prebuilds'))) }
  const build = await buildStage(stageNamed(stages, 'build'), path.join(dir, 'build'), path.join(dir, 'context'), env)
  const buildSeconds = (Date.now() - started) / 1000
  const root = path.join(dir, 'rootfs')
  return { root, image: await assembleRuntime(runtime, root, build.root), buildSeconds, runs: build.ran.length }
}
