import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCompose, type ComposeContext, type ComposeDocument } from './compose-checks';
import { parseDockerfile, stageNames, type ParsedDockerfile } from './dockerfile-checks';
import { parseDockerignore } from './dockerignore';

/** The monorepo root: the compose file, Dockerfile and .dockerignore live there. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Reads a file of the repo, relative to its root. */
export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

/** The repo's docker-compose.yml, Dockerfile and .dockerignore, parsed; use in tests of the real files. */
export function loadRepoContainerFiles(): {
  composeText: string;
  compose: ComposeDocument;
  dockerfileText: string;
  dockerfile: ParsedDockerfile;
  dockerignore: string[];
} {
  const composeText = readRepoFile('docker-compose.yml');
  const dockerfileText = readRepoFile('Dockerfile');
  return {
    composeText,
    compose: parseCompose(composeText),
    dockerfileText,
    dockerfile: parseDockerfile(dockerfileText),
    dockerignore: parseDockerignore(readRepoFile('.dockerignore')),
  };
}

/** A ComposeContext backed by the real repo (paths relative to the compose file's folder, the root). */
export function repoComposeContext(root: string = REPO_ROOT): ComposeContext {
  return {
    stagesOf(dockerfilePath) {
      const path = join(root, dockerfilePath);
      return existsSync(path) ? stageNames(parseDockerfile(readFileSync(path, 'utf8'))) : undefined;
    },
    fileExists: (path) => existsSync(join(root, path)),
  };
}
