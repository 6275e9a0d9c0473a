export { buildApp } from './app.ts';
export type { AppContext } from './app-context.ts';
export { loadConfig, ConfigError, type Config } from '@tracktrove/config';
export { startServer, type Module, type RunningServer, type StartedModule, type BaseServices } from './server.ts';
export { trackTroveModule, type TrackTroveModuleHandle } from './tracktrove-module.ts';
