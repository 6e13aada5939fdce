// Static checks of the container setup, usable without a Docker engine.
export * from './compose-checks';
export * from './dockerfile-checks';
export * from './dockerignore';
export * from './manifest-checks';
export * from './repo-files';
