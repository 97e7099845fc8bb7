import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` never touches the network; `integration` talks to the real local
 * stand-ins that scripts/services.sh starts. Integration files end in `.int.test.ts`, run
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
          exclude: [...exclude, '**/*.int.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
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
