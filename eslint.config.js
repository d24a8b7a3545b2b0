import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const ROOMS = ['core', 'browser', 'engine', 'worker', 'client', 'app', 'cli'];
/** Import patterns for the rooms of src/ other than `allowed`. */
const rooms = (...allowed) => ROOMS.filter((r) => !allowed.includes(r)).map((r) => `**/${r}/**`);
/** Tests run in Node and may use test support and any room. */
const TESTS = ['src/**/*.test.ts'];
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
  // The rooms of src/ (docs/architecture.md): each may import only the rooms below it.
  {
    files: ['src/core/**/*.ts'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@tensorflow/*', 'react', 'react-*', 'recharts', 'zustand', 'comlink', 'idb', 'node:*'], message: 'core is plain logic: no tfjs, no UI, no threads, no storage, no Node.' },
          { group: rooms('core'), message: 'core depends on nothing above it.' },
        ],
      }],
    },
  },
  {
    files: ['src/browser/**/*.ts'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@tensorflow/*', 'react', 'react-*', 'recharts', 'zustand', 'comlink'], message: 'browser holds storage helpers for any browser thread.' },
          { group: rooms('core', 'browser'), message: 'browser depends on core only.' },
        ],
      }],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    ignores: TESTS,
    languageOptions: { globals: { ...globals.worker } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['react', 'react-*', 'recharts', 'zustand', 'comlink', 'idb'], message: 'The engine is pure TypeScript on tfjs.' },
          { group: rooms('core', 'engine'), message: 'The engine depends on core only.' },
        ],
      }],
    },
  },
  {
    files: ['src/worker/**/*.ts'],
    ignores: TESTS,
    languageOptions: { globals: { ...globals.worker } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['react', 'react-*', 'recharts', 'zustand'], message: 'The worker never touches the UI.' },
          { group: rooms('core', 'engine', 'browser', 'worker'), message: 'Workers run the engine; the page side (client, app) is not theirs.' },
        ],
      }],
    },
  },
  {
    files: ['src/client/**/*.ts'],
    ignores: TESTS,
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          tfjs,
          { group: ['react', 'react-*', 'recharts', 'zustand'], message: 'client bridges to the workers; React is the app\'s.' },
          { group: ['**/engine/**', '**/worker/**'], allowTypeImports: true, message: 'The page side imports engine and worker types only: the work runs in workers.' },
          { group: rooms('core', 'browser', 'client', 'engine', 'worker'), message: 'client depends on core, browser and types of the workers.' },
        ],
      }],
    },
  },
  {
    files: ['src/app/**/*.{ts,tsx}'],
    ignores: TESTS,
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          tfjs,
          { group: ['**/engine/**', '**/worker/**'], allowTypeImports: true, message: 'The UI imports engine and worker types only; work goes through src/client.' },
          { group: rooms('core', 'browser', 'client', 'engine', 'worker', 'app'), message: 'The app never reaches the CLI.' },
        ],
      }],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['react', 'react-*', 'recharts', 'zustand', 'comlink', 'idb'], message: 'The CLI runs the engine in Node.' },
          { group: rooms('core', 'engine', 'cli'), message: 'The CLI runs core and the engine in Node; the browser rooms are not its.' },
        ],
      }],
    },
  },
  {
    files: ['scripts/**', 'e2e/**', 'bench/**', 'src/cli/**', '*.config.{js,ts}', 'src/**/*.test.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
);
