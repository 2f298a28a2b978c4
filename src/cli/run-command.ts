/**
 * @module cli/run-command — runs a command's main and turns its expected failures into one line and
 * exit status 2; a bug of ours still throws with its stack.
 */
import { EdgefeedError } from "../errors.js";

/**
 * Sets the exit code from `main`, or prints `edgefeed NAME: message` for our errors and bad arguments.
 * @example await runCommand("start", main)
 */
export async function runCommand(
  name: string,
  main: (argv: string[]) => Promise<number>,
): Promise<void> {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    const badArguments = (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    if (!(error instanceof EdgefeedError) && !badArguments) throw error;
    console.error(`edgefeed ${name}: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
