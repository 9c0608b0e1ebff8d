import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Starts a Node script as a server of a bench (`nodeArgs` before it, e.g. `--cpu-prof`) and waits until `readyUrl`
 * answers 200 (`timeoutMs` at most).
 */
export async function startNodeServer(
  script: string,
  env: NodeJS.ProcessEnv,
  readyUrl: string,
  { nodeArgs = [], timeoutMs = 30_000 }: { nodeArgs?: string[]; timeoutMs?: number } = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${script} exited with ${child.exitCode}`);
    }
    const ok = await fetch(readyUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      return child;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${script} did not become ready`);
}

/** Stops a bench server with SIGTERM (a CPU profile is written as it exits), killing it after 15 s. */
export async function stopNodeServer(child: ChildProcess): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
