import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` and `infra` (the CDK tests) never touch the network; `integration`
 * talks to the real local stand-ins that scripts/services.sh starts. Integration files end in `.int.test.ts`, run
 * one file at a time (they share databases and streams), and fail, never skip, when a
 * service is missing: test/integration/global-setup.ts checks every one before any test.
 */
const exclude = ['node_modules/**', 'cdk.out/**', '.local/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...exclude, '**/*.int.test.ts', 'infra/**'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        // The CDK tests: each whole-app synthesis (cdk-nag included) costs ~30 s of a core.
        // Files here share modules (no isolation), so infra/test-helpers.ts hands the same
        // synthesis to every file of a worker that asks for it.
        test: {
          name: 'infra',
          include: ['infra/**/*.test.ts'],
          exclude,
          environment: 'node',
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude,
          environment: 'node',
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/integration/setup-env.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
