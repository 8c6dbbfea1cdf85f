// @ts-check
/**
 * Lint: typescript-eslint with type information (the rules that need the compiler's types catch
 * what tests rarely do: a promise nobody awaits, an async callback where a plain one is expected).
 * Formatting is Prettier's job (.prettierrc); eslint-config-prettier turns off the rules that
 * would fight it.
 */
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    rules: {
      // An async method that does not await is how an adapter keeps the port's Promise contract
      // (a throw becomes a rejection); the rule would ask for the noisier Promise.resolve().
      '@typescript-eslint/require-await': 'off',
      // Reported (and "fixed") assertions that the compiler needs under strict: a style rule that
      // was wrong here more often than right, so the compiler is the judge of assertions.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    // Tests read supertest bodies and parsed JSON (typed any) and assert on their shape: the
    // assertions are the type check there.
    files: ['test/**/*.ts', '**/*.spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript config files are outside tsconfig.json: lint them without type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { module: 'readonly', require: 'readonly', __dirname: 'readonly' } },
  },
  prettier,
);
