/** The single list of test projects; vitest.config.ts reads it. */
export default ['packages/*', 'apps/*'];
