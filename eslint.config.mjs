// One flat config for the whole workspace: typescript-eslint's recommended type-aware rules.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/src/gen/**', '**/coverage/**', '.nx/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@meterusage/contracts/*', '**/contracts/src/gen/*'], message: 'Import @meterusage/contracts, never its generated files.' }] },
      ],
    },
  },
  {
    // Kysely's migration guidance: migrations are frozen and must not depend on today's schema types.
    files: ['**/db/migrations/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
