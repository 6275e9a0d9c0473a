export { loadConfig, ConfigError, type Config } from './config.ts';
export { applicationSettings, type ApplicationSettings } from './application-settings.ts';
