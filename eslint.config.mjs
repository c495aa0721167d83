// ESLint with typescript-eslint's strictest type-checked rules, as fabric-gateway's Node code uses.
import tseslint from 'typescript-eslint';

// Packages meet only at their faces (each workspace's src/index.ts and package.json `exports`):
// never another package's compiled internals, nor its sources through a relative path.
const facesOnly = [
  {
    regex: '^@isl/[^/]+/(dist|src)(/|$)',
    message: "import another package through its face ('@isl/<package>' or '@isl/<package>/testing'), not its internals",
  },
  {
    regex: '^(\\.\\./)+(platform|chaincode|network|application|bench)/src(/|$)',
    message: "import another package through its face ('@isl/<package>' or '@isl/<package>/testing'), not a relative path into it",
  },
];
// Test helpers stay out of production code.
const noTestingFace = { regex: '^@isl/[^/]+/testing$', message: 'production code does not import test helpers' };

export default tseslint.config(
  { ignores: ['**/dist/**', 'portal/vite.config.mjs', '**/node_modules/**', '.tools/**', '.run/**', 'scripts/**', 'bench/results/**', 'eslint.config.mjs'] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-extraneous-class': 'off',
      'no-restricted-imports': ['error', { patterns: [...facesOnly, noTestingFace] }],
      // Long or branchy functions are split into named steps (issue 12): these bounds keep them so.
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      complexity: ['error', 20],
    },
  },
  {
    // The web portal runs in browsers: typed against the DOM with its own tsconfig.
    files: ['portal/src/**/*.ts'],
    languageOptions: {
      parserOptions: { project: './portal/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['**/*.test.ts', '**/*.itest.ts', '**/testing/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: facesOnly }],
    },
  },
  {
    files: ['**/*.test.ts', '**/*.itest.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
      // A describe block is as long as its tests; a scenario test reads best in one piece.
      'max-lines-per-function': 'off',
      complexity: 'off',
    },
  },
);
