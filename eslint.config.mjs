import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.cache/',
      '.run/',
      'sample-app/node_modules/',
      'sample-app/dist/',
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Each file is checked against its nearest tsconfig.json: the root one for lib/ and
        // test/, sample-app/tsconfig.json (compiled against dist/, so build first) and
        // bench/tsconfig.json.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read methods as values without calling them: `expect(Type.prototype.handle).toBe(…)`
      // checks whether the counting wrapper is in place, and kafkajs handlers destructure
      // `resolveOffset` from their payload as kafkajs documents it.
      '@typescript-eslint/unbound-method': 'off',
      // Test doubles stand in for asynchronous APIs (kafkajs eachMessage/eachBatch handlers,
      // Nest's listen(), producers and transactions) whose signatures return promises, without
      // anything to await inside.
      '@typescript-eslint/require-await': 'off',
      // vitest's asymmetric matchers (`expect.any(String)`, `expect.stringContaining(…)`) are
      // typed `any` by design.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
