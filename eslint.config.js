import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// docs/security.md: request input is never compiled into a RegExp (ReDoS), nor spliced into a
// SQL LIKE pattern (where % and _ are wildcards). Match with LikePattern, or compare exact keys.
const SAFE_INPUT = [
  {
    selector: "NewExpression[callee.name='RegExp'], CallExpression[callee.name='RegExp']",
    message: 'No RegExp built at run time: use a regex literal, or LikePattern for wildcards (docs/security.md).',
  },
  {
    selector: 'CallExpression[callee.property.name=/^(where|orWhere|having|on)$/] > Literal[value=/^(not )?i?like$/i]',
    message: 'No SQL LIKE: % and _ in a value are wildcards. Compare exact values (docs/security.md).',
  },
  {
    selector: "TaggedTemplateExpression[tag.name='sql'] TemplateElement[value.raw=/\\b(i?like|glob|similar to)\\b/i]",
    message: 'No SQL LIKE, GLOB or SIMILAR TO in raw SQL: compare exact values (docs/security.md).',
  },
];

// SQL lives in stores: query builders and raw SQL only in *-store.ts files and storage/.
const SQL_IN_STORES = [
  {
    selector: 'CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)$/]',
    message: 'Queries belong in a *-store.ts file (or storage/): call the store from here.',
  },
  {
    selector: "TaggedTemplateExpression[tag.name='sql']",
    message: 'Raw SQL belongs in a *-store.ts file (or storage/): call the store from here.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules', 'data', '.tmp', 'coverage', 'bin', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // CR-14: nothing that must not be guessed may come from Math.random.
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use node:crypto (CR-14).' }],
      'no-console': 'off',
      'no-restricted-syntax': ['error', ...SAFE_INPUT],
      // Dependencies point inward: crypto imports nothing from the app; routes never reach storage.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src/crypto', from: './src', except: ['./crypto'], message: 'crypto/ imports nothing from the app.' },
            { target: './src/**/*-routes.ts', from: './src/storage', message: 'Routes call services, never storage.' },
            // crypto/ is a leaf below storage/: the side thread opens sealed columns (row-appender.ts).
            {
              target: './src/storage',
              from: './src',
              except: ['./storage', './crypto'],
              message: 'storage/ depends on nothing above it (only on the crypto/ leaf).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*-store.ts', 'src/storage/**', '**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', ...SAFE_INPUT, ...SQL_IN_STORES] },
  },
  // The domain owns its vocabulary: only a domain's routes (thin: parse, call, present) know HTTP.
  {
    files: [
      'src/{admin,config,connections,consent,crypto,features,helpers,idaas,members,messaging,oauth,outbox,pds,storage,templates}/**/*.ts',
    ],
    ignores: ['**/*-routes.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'fastify', message: 'Only *-routes.ts files know Fastify: take typed input instead.' }],
          patterns: [
            {
              group: ['**/http/*'],
              message: 'Domain code does not import the HTTP layer: routes parse requests and call services with typed input.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bench/**/*.ts', 'test/**/*.ts', '**/*.test.ts'],
    rules: { 'no-restricted-properties': 'off', 'no-restricted-syntax': 'off' },
  },
);
