/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and lists where the time went: self time by package and by function.
 * `node dist/bench/cpu-profile.js <file.cpuprofile> [functions]` prints the same table as `bench:pipeline`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function packageOf(url: string, functionName: string): string {
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) {
    return module[1];
  }
  if (url.includes('/dist/')) {
    return 'switchboard';
  }
  if (url.startsWith('node:')) {
    return `node:${url.slice(5).split('/')[0]}`;
  }
  return functionName.startsWith('(') ? functionName : 'native';
}

/** The top `count` packages and functions by self time, as printable lines. */
export function summariseProfile(file: string, count = 15): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const total = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const time = profile.timeDeltas[i] ?? 0;
    const pkg = packageOf(url, functionName);
    const where = url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, '');
    const name = `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + time);
    byFunction.set(name, (byFunction.get(name) ?? 0) + time);
  });
  const top = (map: Map<string, number>): string[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, time]) => `  ${((100 * time) / total).toFixed(1).padStart(5)} %  ${name}`);
  return ['self time by package:', ...top(byPackage), 'self time by function:', ...top(byFunction)].join('\n');
}

if (require.main === module) {
  process.stdout.write(`${summariseProfile(process.argv[2], Number(process.argv[3] ?? 25))}\n`);
}
