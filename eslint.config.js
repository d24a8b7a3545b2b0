import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const tfjs = { group: ['@tensorflow/*'], message: 'The UI never imports tfjs: ask the worker.' };

export default tseslint.config(
  { ignores: ['bench/tmp', 'dist', 'node_modules', 'public/generated', 'test-results', 'playwright-report'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    languageOptions: { globals: { ...globals.worker } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['react', 'react-*', 'recharts', 'zustand', 'comlink'], message: 'The engine is pure TypeScript on tfjs.' },
          { group: ['**/app/**', '**/worker/**'], message: 'The engine depends on nothing above it.' },
        ],
      }],
    },
  },
  {
    files: ['src/worker/**/*.ts'],
    languageOptions: { globals: { ...globals.worker } },
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['react', 'react-*', 'recharts', 'zustand', '**/app/**'], message: 'The worker never touches the UI.' }] }],
    },
  },
  {
    files: ['src/app/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          tfjs,
          {
            // engine/config holds plain design defaults; everything else of the engine is types only.
            group: ['**/engine/**', '!**/engine/config'],
            allowTypeImports: true,
            message: 'The UI imports engine types only; work goes through the worker bridge.',
          },
        ],
      }],
    },
  },
  {
    files: ['scripts/**', 'e2e/**', 'bench/**', 'src/cli/**', '*.config.{js,ts}', 'src/**/*.test.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
);
