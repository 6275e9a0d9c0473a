import { defineConfig } from 'vitest/config';

/** The domain's tests alone, for mutation testing (pure: no services). Instrumented code runs slower. */
export default defineConfig({ test: { include: ['packages/domain/test/**/*.test.ts'], testTimeout: 60_000 } });
