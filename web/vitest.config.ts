import { defineConfig } from 'vitest/config';

// Unit tests of the client logic (node environment; DOM-free modules only).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
