import js from '@eslint/js'
import ts from 'typescript-eslint'
import svelte from 'eslint-plugin-svelte'
import importX, { createNodeResolver } from 'eslint-plugin-import-x'
import globals from 'globals'

/**
 * The layers of src/, top to bottom (README, "Layout of the code"). A folder may import only
 * from the rows below its own: never upwards and never a sibling in its own row. src/main.ts
 * builds the object graph and may import anything.
 */
const LAYERS = [
  ['ui'],
  ['app'],
  ['backup'],
  ['direct', 'vcard'],
  ['vault'],
  ['crdt', 'files', 'pwa'],
  ['peer'],
  ['lib'],
]

/** The same rule inside src/peer: the mesh on top, the shared ids and types at its root. */
const PEER_LAYERS = [['mesh'], ['link', 'signaling'], ['transport', 'identity']]

/** One no-restricted-paths zone per folder: everything at its own row or above is off-limits. */
function layerZones(root, layers) {
  return layers
    .flatMap((row, level) =>
      row.map((folder) => ({
        target: `${root}/${folder}`,
        from: layers
          .slice(0, level + 1)
          .flat()
          .filter((other) => other !== folder)
          .map((other) => `${root}/${other}`),
        message: `${root}/${folder} may import only from the layers below it (see eslint.config.js LAYERS).`,
      })),
    )
    .filter((zone) => zone.from.length > 0)
}

export default ts.config(
  { ignores: ['dist', 'dev-dist', 'node_modules', 'test-results', 'playwright-report'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error', 'info'] }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser } },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.svelte'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.svelte'] })],
      'import-x/extensions': ['.ts', '.js', '.svelte'],
      // Imported .ts files are read with the TypeScript parser, also from .svelte files;
      // components are not followed (no module imports one back).
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.js'] },
      'import-x/ignore': ['\\.svelte$'],
    },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        { zones: [...layerZones('./src', LAYERS), ...layerZones('./src/peer', PEER_LAYERS)] },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
)
