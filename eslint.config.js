// The rules datagate keeps: the recommended sets of ESLint, typescript-eslint and the Vue
// plugin, with formatting left to Prettier (eslint-config-prettier turns off every rule
// that would disagree with it).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'web/dist/', 'data/', 'node_modules/', 'test/fixtures/', 'web/src/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['web/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    rules: {
      // `import type` everywhere a value is not needed (the compiler's verbatimModuleSyntax agrees).
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // An argument or binding named with a leading underscore is unused on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A variable a closure reads before its one assignment cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-console': 'off',
      // Optional props are typed; `undefined` is their default, said by the type.
      'vue/require-default-prop': 'off',
      // A list's state object (usePagedList) is passed down and its fields bound with v-model.
      'vue/no-mutating-props': ['error', { shallowOnly: true }],
    },
  },
  {
    // `any` where a shape is known only at run time: Kysely over dataset tables whose
    // columns come from uploaded files (store, catalog), arbitrary JSON documents in the
    // console's OpenAPI reader and API client, and tests and benchmarks. Elsewhere (the
    // HTTP edge, routes, access, use cases, config, rate limits, command line) it is refused.
    files: [
      'src/store/**',
      'src/catalog/**',
      'web/src/api.ts',
      'web/src/components/**/*.ts',
      'web/src/pages/PublicApiPage.vue',
      'test/**',
      'bench/**',
      '**/*.test.ts',
    ],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
