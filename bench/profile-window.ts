import { readFileSync } from 'node:fs';

/** utime + stime of a process so far, in ms (from /proc; Linux clock ticks are 1/100 s). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Now on the monotonic clock V8's CPU profiles use, in µs: brackets a measurement in a server's profile. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

interface CpuProfile {
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * The samples of a V8 CPU profile (`--cpu-prof`) taken between `from` and `to` (µs, {@link monotonicUs}), so a
 * summary shows the measured load and not the server's start and the bench's setup.
 */
export function cutProfile<P extends CpuProfile>(profile: P, [from, to]: [number, number]): P {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let time = profile.startTime;
  let last = from;
  profile.samples.forEach((sample, i) => {
    time += profile.timeDeltas[i] ?? 0;
    if (time >= from && time <= to) {
      samples.push(sample);
      timeDeltas.push(time - last);
      last = time;
    }
  });
  return { ...profile, startTime: from, endTime: to, samples, timeDeltas };
}
