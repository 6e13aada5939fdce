import { DockerfileParser, Env, From, ModifiableInstruction, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

/** LSP DiagnosticSeverity.Error, as dockerfile-utils reports it. */
const SEVERITY_ERROR = 1;

/** One instruction, flattened: continuation lines joined, flags split off, ARGs expanded in FROM. */
export interface DockerInstruction {
  /** Upper-case keyword: RUN, COPY, USER, ... */
  readonly keyword: string;
  /** Arguments after the flags, as written (continuations joined). */
  readonly args: string;
  /** `--name=value` flags (COPY --from, HEALTHCHECK --interval, ...); a bare flag has value null. */
  readonly flags: ReadonlyMap<string, string | null>;
  /** ENV properties, name → value; empty for other keywords. */
  readonly env: ReadonlyMap<string, string>;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface DockerStage {
  /** `AS <name>`, or null for an unnamed stage. */
  readonly name: string | null;
  /** The FROM reference with global ARG defaults expanded: an image or an earlier stage. */
  readonly base: string;
  /** Index of the stage in the file, from 0. */
  readonly index: number;
  /** The stage's instructions after its FROM. */
  readonly instructions: readonly DockerInstruction[];
}

export interface ParsedDockerfile {
  readonly stages: readonly DockerStage[];
}

/** Parses a Dockerfile into stages; use it before any of the checks below. */
export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const stages: { name: string | null; base: string; index: number; instructions: DockerInstruction[] }[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    if (instruction instanceof From) {
      // The first non-flag argument is the image; expanded, so `${NODE_IMAGE}` reads as its default.
      const base = instruction
        .getExpandedArguments()
        .map((argument) => argument.getValue())
        .find((value) => !value.startsWith('--'));
      stages.push({ name: instruction.getBuildStage(), base: base ?? '', index: stages.length, instructions: [] });
      continue;
    }
    const current = stages[stages.length - 1];
    // Instructions before the first FROM (global ARGs) belong to no stage.
    if (current !== undefined) current.instructions.push(toDockerInstruction(instruction, keyword));
  }
  return { stages };
}

function toDockerInstruction(instruction: Instruction, keyword: string): DockerInstruction {
  const flags = new Map<string, string | null>();
  if (instruction instanceof ModifiableInstruction) {
    for (const flag of instruction.getFlags()) flags.set(flag.getName(), flag.getValue());
  }
  const env = new Map<string, string>();
  if (instruction instanceof Env) {
    for (const property of instruction.getProperties()) env.set(property.getName(), property.getValue() ?? '');
  }
  // getArgumentsContent() still holds the flags; the argument list does not.
  const args = instruction
    .getArguments()
    .map((argument) => argument.getValue())
    .join(' ');
  return { keyword, args, flags, env, line: instruction.getRange().start.line + 1 };
}

/** Lints with dockerfile-utils and returns its error-severity diagnostics as `line N: message`. */
export function lintDockerfile(text: string): string[] {
  return validate(text)
    .filter((diagnostic) => diagnostic.severity === SEVERITY_ERROR)
    .map((diagnostic) => `line ${diagnostic.range.start.line + 1}: ${typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value}`);
}

/** Names of all `FROM … AS <name>` stages: the valid `build.target` values. */
export function stageNames(parsed: ParsedDockerfile): Set<string> {
  return new Set(parsed.stages.flatMap((stage) => (stage.name === null ? [] : [stage.name])));
}

/**
 * Stages no other stage builds on (FROM <stage>, COPY --from=<stage>, RUN --mount=from=<stage>):
 * the images that get shipped.
 */
export function finalStages(parsed: ParsedDockerfile): DockerStage[] {
  const referenced = new Set<string>();
  for (const stage of parsed.stages) {
    referenced.add(stage.base);
    for (const instruction of stage.instructions) {
      const copyFrom = instruction.keyword === 'COPY' ? instruction.flags.get('from') : undefined;
      if (copyFrom) referenced.add(copyFrom);
      const mount = instruction.keyword === 'RUN' ? instruction.flags.get('mount') : undefined;
      const mountFrom = mount ? /(?:^|,)from=([^,]+)/.exec(mount)?.[1] : undefined;
      if (mountFrom) referenced.add(mountFrom);
    }
  }
  return parsed.stages.filter((stage) => !(stage.name !== null && referenced.has(stage.name)) && !referenced.has(String(stage.index)));
}

/** The stage's own instructions preceded by those of the stages it is built FROM. */
export function effectiveInstructions(parsed: ParsedDockerfile, stage: DockerStage): DockerInstruction[] {
  const parent = parsed.stages.find((candidate) => candidate.index < stage.index && candidate.name === stage.base);
  return [...(parent ? effectiveInstructions(parsed, parent) : []), ...stage.instructions];
}

/** External base images: FROM references that are not earlier stages. */
function externalBases(parsed: ParsedDockerfile): { stage: DockerStage; image: string }[] {
  return parsed.stages
    .filter((stage) => !parsed.stages.some((earlier) => earlier.index < stage.index && earlier.name === stage.base))
    .map((stage) => ({ stage, image: stage.base }));
}

/**
 * Splits `registry/name:tag@digest`; the tag is what follows the last ':' after the last '/'
 * (a registry may carry a port).
 */
export function parseImageReference(image: string): { name: string; tag: string | null; digest: string | null } {
  const [withoutDigest = '', digest = null] = image.split('@') as [string, string?];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? { name: withoutDigest, tag: null, digest } : { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
}

/** Shell commands of a RUN, split at `&&`, `||`, `;` and `|`, each as a list of words. */
function shellCommands(run: string): string[][] {
  return run
    .split(/&&|\|\||;|\|/)
    .map((command) => command.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0);
}

/** The pnpm subcommand of a command line (`pnpm --filter x deploy …` → deploy), or null. */
function pnpmSubcommand(words: readonly string[]): string | null {
  if (words[0] !== 'pnpm') return null;
  for (let i = 1; i < words.length; i += 1) {
    const word = words[i] ?? '';
    if (!word.startsWith('-')) return word;
    // Options that take a separate value: skip the value.
    if (['--filter', '-F', '--dir', '-C', '--store-dir'].includes(word)) i += 1;
  }
  return null;
}

const ROOT_USERS = new Set(['root', '0']);

/**
 * The meterusage image policy: pinned external bases, a non-root USER, CMD, HEALTHCHECK, EXPOSE
 * and NODE_ENV=production in every final stage, `pnpm install --frozen-lockfile`, `pnpm deploy --prod`.
 */
export function checkDockerfilePolicy(parsed: ParsedDockerfile): string[] {
  const problems: string[] = [];
  if (parsed.stages.length === 0) return ['no FROM: the Dockerfile defines no stage'];

  for (const { stage, image } of externalBases(parsed)) {
    const { tag, digest } = parseImageReference(image);
    const label = `stage ${stage.name ?? stage.index} (FROM ${image})`;
    if (digest !== null) continue;
    if (tag === null) problems.push(`${label}: base image has no tag, which means latest`);
    else if (/^latest\b/.test(tag) || !/^\d/.test(tag)) {
      problems.push(`${label}: base image tag "${tag}" is not version-pinned (want e.g. 20-bookworm-slim or a digest)`);
    }
  }

  const finals = finalStages(parsed);
  for (const stage of finals) {
    const label = `final stage ${stage.name ?? stage.index}`;
    const instructions = effectiveInstructions(parsed, stage);
    const users = instructions.filter((instruction) => instruction.keyword === 'USER');
    const lastUser = users[users.length - 1];
    if (lastUser === undefined) problems.push(`${label}: no USER, so it runs as root`);
    else {
      const user = lastUser.args.split(':')[0] ?? '';
      if (ROOT_USERS.has(user)) problems.push(`${label}: USER ${lastUser.args} (line ${lastUser.line}) is root`);
    }
    if (!instructions.some((instruction) => instruction.keyword === 'CMD' || instruction.keyword === 'ENTRYPOINT')) {
      problems.push(`${label}: no CMD or ENTRYPOINT`);
    }
    const healthchecks = instructions.filter((instruction) => instruction.keyword === 'HEALTHCHECK');
    const lastHealthcheck = healthchecks[healthchecks.length - 1];
    if (lastHealthcheck === undefined || /^NONE$/i.test(lastHealthcheck.args.trim())) {
      problems.push(`${label}: no HEALTHCHECK`);
    }
    if (!instructions.some((instruction) => instruction.keyword === 'EXPOSE')) problems.push(`${label}: no EXPOSE`);
    const nodeEnv = instructions
      .filter((instruction) => instruction.env.has('NODE_ENV'))
      .map((instruction) => instruction.env.get('NODE_ENV'))
      .pop();
    if (nodeEnv !== 'production') problems.push(`${label}: NODE_ENV is ${nodeEnv ?? 'unset'}, want production`);
  }

  const pnpmCommands = parsed.stages
    .flatMap((stage) => stage.instructions)
    .filter((instruction) => instruction.keyword === 'RUN')
    .flatMap((instruction) => shellCommands(instruction.args).map((words) => ({ words, line: instruction.line })));
  const installs = pnpmCommands.filter(({ words }) => ['install', 'i'].includes(pnpmSubcommand(words) ?? ''));
  const deploys = pnpmCommands.filter(({ words }) => pnpmSubcommand(words) === 'deploy');
  if (installs.length === 0) problems.push('no `pnpm install` step');
  for (const { words, line } of installs) {
    if (!words.includes('--frozen-lockfile')) problems.push(`line ${line}: pnpm install without --frozen-lockfile`);
  }
  if (deploys.length === 0) problems.push('no `pnpm deploy` step');
  for (const { words, line } of deploys) {
    if (!words.includes('--prod') && !words.includes('-P')) problems.push(`line ${line}: pnpm deploy without --prod`);
  }
  return problems;
}

/** Files the Dockerfile copies from the build context (COPY/ADD without --from), as written. */
export function contextSources(parsed: ParsedDockerfile): string[] {
  return parsed.stages
    .flatMap((stage) => stage.instructions)
    .filter((instruction) => ['COPY', 'ADD'].includes(instruction.keyword) && !instruction.flags.has('from'))
    .flatMap((instruction) => {
      const words = instruction.args.split(/\s+/).filter(Boolean);
      return words.slice(0, -1); // the last word is the destination
    });
}
