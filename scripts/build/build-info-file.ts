/** dist/build-info.json: what `npm run build` built, written last, so its time stamps the whole build. */
export const BUILD_INFO_FILE = 'build-info.json'

export interface BuildInfo {
  version: string
  commit?: string
  builtAt: string
}
