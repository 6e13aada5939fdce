// Preload for `bench --cpu-prof DIR` (node --require): NODE_OPTIONS may not carry --cpu-prof, so
// this starts V8's sampling profiler in the app process and writes DIR/<app>-<pid>.cpuprofile
// (open it in Chrome DevTools or speedscope) when the process exits.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const path = require('node:path');

const directory = process.env.BENCH_CPU_PROFILE_DIR;
const app = path.basename(path.resolve(process.argv[1] ?? 'node', '..', '..')); // apps/<app>/src/main.ts
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
