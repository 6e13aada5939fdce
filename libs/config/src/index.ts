export { ConfigError, EnvReader, loadConfigOrExit, LOG_LEVELS, type Env, type LogLevel } from './env-reader';
/** @deprecated Import METER_ID_PATTERN from @meterusage/meters; kept until the gateway does. */
export { METER_ID_PATTERN } from '@meterusage/meters';
