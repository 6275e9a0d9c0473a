import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'webhooks', testTimeout: 30_000 } });
