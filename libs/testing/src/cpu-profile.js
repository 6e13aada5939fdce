// Preload for a benchmark's `--cpu-prof DIR` (node --require, through NODE_OPTIONS, which may not
// carry --cpu-prof itself): starts V8's sampling profiler in the app process and writes
// DIR/<app>-<pid>.cpuprofile (open it in Chrome DevTools or speedscope) when the process exits.
// <app> is the folder under apps/ (apps/<app>/src/main.ts), with the script name added for other
// entry points (apps/grpc-server/src/cli/ingest.ts → grpc-server-ingest).
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const path = require('node:path');

const directory = process.env.BENCH_CPU_PROFILE_DIR;
const script = path.resolve(process.argv[1] ?? 'node');
const parts = script.split(path.sep);
const appsAt = parts.lastIndexOf('apps');
const name = path.basename(script).replace(/\.[cm]?[jt]s$/, '');
const app = appsAt >= 0 && parts[appsAt + 1] ? parts[appsAt + 1] + (name === 'main' ? '' : `-${name}`) : name;
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.start');
process.on('exit', () => {
  // The in-process inspector session answers synchronously, so the profile is written before exit.
  session.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(path.join(directory, `${app}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
