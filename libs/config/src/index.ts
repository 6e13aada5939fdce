export { ConfigError, EnvReader, loadConfigOrExit, LOG_LEVELS, METER_ID_PATTERN, type Env, type LogLevel } from './env-reader';
