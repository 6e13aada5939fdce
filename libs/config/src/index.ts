export { ConfigError, EnvReader, LOG_LEVELS, METER_ID_PATTERN, type Env, type LogLevel } from './env-reader';
