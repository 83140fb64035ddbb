import { VERSION } from '../../lib/build-info.ts'

/** What `--version` prints: the package version, with the commit when the build knew it (lib/build-info.ts). */
export const VERSION_LINE = new RegExp(`^${VERSION.replaceAll('.', '\\.')}( \\(commit [0-9a-f]{7,40}(-dirty)?\\))?$`)
