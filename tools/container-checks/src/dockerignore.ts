/** Patterns of a .dockerignore file: comments and blank lines dropped, in file order. */
export function parseDockerignore(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** A .dockerignore pattern as a regular expression over context-relative paths (Go filepath.Match plus `**`). */
function patternToRegExp(pattern: string): RegExp {
  const cleaned = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  let source = '';
  for (let i = 0; i < cleaned.length; i += 1) {
    const char = cleaned[i] ?? '';
    if (char === '*' && cleaned[i + 1] === '*') {
      // `**/` matches any number of directories, including none; a trailing `**` matches everything.
      if (cleaned[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A pattern matching a directory excludes everything below it too.
  return new RegExp(`^${source}(?:/.*)?$`);
}

/** Whether Docker leaves `path` (relative to the context root) out of the build context; the last matching pattern wins. */
export function isIgnored(path: string, patterns: readonly string[]): boolean {
  const normalized = path.replace(/^\.\/+/, '').replace(/\/+$/, '');
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (patternToRegExp(negated ? pattern.slice(1) : pattern).test(normalized)) ignored = !negated;
  }
  return ignored;
}

/**
 * Context rules of this repo: what the build produces itself (node_modules, dist, generated stubs)
 * and secrets stay out; what the Dockerfile copies from the context stays in.
 */
export function checkDockerignore(patterns: readonly string[], copiedSources: readonly string[]): string[] {
  const problems: string[] = [];
  const mustBeIgnored = ['node_modules', 'apps/gateway/node_modules', 'libs/contracts/dist', 'apps/grpc-server/dist', 'libs/contracts/src/gen', '.git', '.env'];
  for (const path of mustBeIgnored) {
    if (!isIgnored(path, patterns)) problems.push(`.dockerignore lets ${path} into the build context`);
  }
  for (const source of copiedSources) {
    if (source !== '.' && isIgnored(source, patterns)) {
      problems.push(`the Dockerfile copies ${source}, but .dockerignore excludes it`);
    }
  }
  return problems;
}
