import type { Plugin } from 'vite'

/** One rewrite of a dependency's module: the paths it applies to and the rewrite. */
export interface SourceFix {
  file: RegExp
  fix: (code: string) => string
}

/**
 * A Vite plugin that rewrites the dependency modules whose path matches a fix's `file`, before
 * any other plugin sees them. A fix throws when the code is not as it expects, failing the build.
 */
export function sourceFixPlugin(name: string, fixes: readonly SourceFix[]): Plugin {
  return {
    name,
    enforce: 'pre',
    transform(code, id) {
      const file = id.split('?')[0]!
      const found = fixes.find((f) => f.file.test(file))
      return found ? { code: found.fix(code), map: null } : undefined
    },
  }
}
