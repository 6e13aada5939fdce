export { isLoopbackHost, readAuthMode, type AuthModeName, type AuthModeSetting } from './auth-mode';
export { ConfigError, EnvReader, loadConfigOrExit, LOG_LEVELS, type Env, type LogLevel } from './env-reader';
