import { defineProject } from 'vitest/config';

/** The properties run a thousand random histories each: a loaded machine needs more than vitest's 5 s default. */
export default defineProject({ test: { name: 'domain', testTimeout: 60_000 } });
