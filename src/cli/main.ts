#!/usr/bin/env node
/**
 * CLI entry: exit 0 on success, 2 on bad usage or input (one-line reason), 1 on an internal error,
 * 130 / 143 when stopped by SIGINT / SIGTERM (one line; a commit in progress is undone first).
 */
import { parseArgs, USAGE } from "./args.js";
import { run } from "./run.js";
import { isSegentropyError } from "../errors.js";
import { CommitInterrupted } from "../node/index.js";
import { VERSION } from "../version.js";

/** Exit status of a run stopped by a signal: 128 + the signal's number, as shells report it. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT;

/**
 * SIGINT / SIGTERM. Before the outputs are written nothing is on disk yet: the handler says so and
 * exits (it runs at the next turn of the event loop, after the synchronous step in progress).
 * While they are written it aborts the commit, which stops at its next step and undoes itself as a
 * failed commit is undone; main then reports it. After they are all in place it says so and exits.
 */
const stop = new AbortController();
let phase: "prepare" | "write" | "done" = "prepare";
const interrupted = (sig: StopSignal, what: string) => `segentropy: interrupted by ${sig}: ${what}\n`;

function onSignal(sig: StopSignal): void {
  if (stop.signal.aborted) return; // a repeated signal while the first one is being handled
  stop.abort(sig);
  if (phase === "write") return;
  process.stderr.write(interrupted(sig, phase === "prepare" ? "the output folder is unchanged" : "the outputs were already written"));
  process.exit(SIGNAL_EXIT[sig]);
}

async function main(): Promise<number> {
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args.help) { process.stdout.write(USAGE + "\n"); return 0; }
    if (args.version) { process.stdout.write(`segentropy ${VERSION}\n`); return 0; }
    const result = await run(args, { signal: stop.signal, onPhase: (p) => { phase = p; } });
    if (!args.quiet) process.stdout.write(result.lines.join("\n") + "\n");
    return 0;
  } catch (err) {
    if (err instanceof CommitInterrupted) {
      const sig = err.reason as StopSignal;
      process.stderr.write(interrupted(sig, err.notRestored.length ? `could not restore ${err.notRestored.join(", ")}` : "the output folder is unchanged"));
      process.exit(SIGNAL_EXIT[sig]);
    }
    if (isSegentropyError(err)) {
      process.stderr.write(`segentropy: ${err.message}\n`);
      return 2;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`segentropy: internal error: ${msg}\n`);
    if (process.env.SEGENTROPY_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
main().then((code) => { process.exitCode = code; });
