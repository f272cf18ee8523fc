import type { Plugin } from 'vite'

/** One rewrite of a dependency's module: the paths it applies to and the rewrite. */
export interface SourceFix {
  file: RegExp
  fix: (code: string) => string
}

/**
 * `code` with `find` replaced by `replacement` (as `String.replace` does). Throws when `find` is
 * not there, naming the fix (`scripts/<fix>.ts`) and what it `expected`, so that an upgrade of
 * the dependency that changes the code fails the build rather than ship it unfixed.
 */
export function replaceExpected(
  code: string,
  find: RegExp,
  replacement: string,
  fix: { name: string; expected: string },
): string {
  if (!find.test(code)) {
    throw new Error(
      `${fix.name}: ${fix.expected} as expected; ` +
        `check whether the fix is still needed (scripts/${fix.name}.ts)`,
    )
  }
  return code.replace(find, replacement)
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
