export { ConfigError, EnvReader, loadConfigOrExit, LOG_LEVELS, type Env, type LogLevel } from './env-reader';
