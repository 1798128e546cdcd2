// Preloaded into a server under test (`node --import bench/lib/profile-hook.mjs …`): the first
// SIGUSR2 starts V8's CPU profiler, the second stops it and writes the profile to
// $BENCH_PROFILE_OUT. So a profile holds the measured load only, not start-up and warm-up.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const session = new Session();
session.connect();
let running = false;
process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
    return;
  }
  running = false;
  session.post('Profiler.stop', (err, { profile }) => {
    if (!err) writeFileSync(process.env.BENCH_PROFILE_OUT, JSON.stringify(profile));
    process.stdout.write('profile written\n');
  });
});
