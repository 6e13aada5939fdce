// One flat config for the whole workspace: typescript-eslint's recommended type-aware rules over
// every .ts file (each file typed by its nearest tsconfig.json, through the project service),
// eslint's recommended rules over hand-written JavaScript, and Nx's module boundaries.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Which project may import which, by the tags in each project.json. */
const boundaries = (appsMayUseTesting) => [
  'error',
  {
    depConstraints: [
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: appsMayUseTesting ? ['type:lib', 'type:testing'] : ['type:lib'] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:testing', 'type:tool'] },
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
    ],
  },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/src/gen/**', '**/coverage/**', '.nx/**'] },
  ...nx.configs['flat/base'],
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@meterusage/contracts/*', '**/contracts/src/gen/*'], message: 'Import @meterusage/contracts, never its generated files.' }] },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['apps/gateway/dashboard/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // The dashboard runs in the browser (its tsconfig has the DOM library and no Node types).
    files: ['apps/gateway/dashboard/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Hand-written JavaScript: jest configs, jest's global setup, the profiler preload, scripts.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' } },
  {
    // libs/testing only from tests: test files, test support and benches may import it, the
    // code that ships (src, scripts) may not. Jest configs sit outside the module graph.
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    ignores: ['**/jest.config.js'],
    rules: { '@nx/enforce-module-boundaries': boundaries(true) },
  },
  {
    files: ['apps/*/src/**/*.ts', 'apps/*/scripts/**/*.ts', 'apps/gateway/dashboard/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(false) },
  },
  {
    // Fastify's contract: a plugin, hook or handler is an async function (or takes a callback),
    // and an async one with nothing to await is its documented form, not a forgotten await.
    files: ['apps/gateway/src/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // Tests read untyped values on purpose: light-my-request's response.json() and pg's rows are
    // `any`, and the test's expect() is what checks their shape. The gRPC test clients' call()
    // rebinds the method it is given, and expect(mock.method) reads a jest mock, never calls it
    // unbound.
    files: ['**/test/**/*.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Kysely's migration guidance: migrations are frozen and take Kysely<any>, not today's schema
    // types; what they pass that `any` to is untyped on purpose.
    files: ['**/db/migrations/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unsafe-argument': 'off' },
  },
);
