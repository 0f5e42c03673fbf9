// ESLint flat config: type-aware rules, async-safety as errors (ARCHITECTURE.md §7).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'admin-ui/**', 'coverage/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // core/ is the game's rules, pure: nothing that does I/O (ARCHITECTURE.md, "Layout").
    files: ['core/**/*.ts'],
    ignores: ['core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['pg', 'pg-*', 'sequelize', 'umzug', 'ioredis', 'ioredis-mock', 'amqplib', 'amqp-connection-manager', 'express',
                'discord.js', '@discordjs/*', 'ccxt', 'node:fs', 'node:net', 'node:http', 'node:https', 'node:child_process', 'fs', 'net', 'http', 'https',
                '../platform/*', '../feeder/*', '../engine/*', '../bot/*', '../api/*', '../db/*'],
              message: 'core/ is pure: no I/O libraries or adapters (ports live in core/ports.ts, adapters in platform/).',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'core/ is pure: no network I/O.' }, { name: 'process', message: 'core/ reads no environment; config comes in as arguments.' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
