import { defineConfig } from 'vitest/config';

// End-to-end tests: a real genesisd and Debian's Chromium (e2e/harness.ts).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 120000,
    hookTimeout: 60000,
    fileParallelism: false,
    pool: 'forks',
  },
});
