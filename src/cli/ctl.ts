// The `narwhal ctl [--ctl-socket PATH] [-c CONFIG] COMMAND [ARG]` mode: finds
// the control socket (flag, config file or NARWHAL_CMD_ARGS), sends the
// command and prints the answer. Runs in the CLI process.

import { formatResult, sendCommand } from '../ctl/client.js';
import { CTL_COMMANDS, isCtlCommand } from '../ctl/protocol.js';
import type { Resolved } from '../config/resolve.js';
import { EXIT_CODES, NarwhalError } from '../errors.js';

const VALUE_FLAGS = new Set(['--ctl-socket', '-c', '--config']);

export async function runCtl(argv: readonly string[], resolve: (flags: string[]) => Promise<Resolved>, print: (text: string) => void): Promise<number> {
  const flags: string[] = [];
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (VALUE_FLAGS.has(arg)) flags.push(arg, argv[++i] ?? '');
    else if (arg.startsWith('--ctl-socket=') || arg.startsWith('--config=')) flags.push(arg);
    else words.push(arg);
  }
  const [command, ...args] = words;
  if (!command || !isCtlCommand(command)) {
    throw new NarwhalError('USAGE', `narwhal ctl needs a command: ${CTL_COMMANDS.join(', ')}${command ? ` (got "${command}")` : ''}`);
  }
  const { config } = await resolve(flags);
  if (!config.ctlSocket) throw new NarwhalError('USAGE', 'no control socket: pass --ctl-socket PATH (or set ctlSocket in the config file)');
  const request = { command, args };
  const response = await sendCommand(config.ctlSocket, request);
  if (!response.ok) {
    process.stderr.write(`narwhal ctl: error: ${response.error}\n`);
    return EXIT_CODES.USAGE;
  }
  print(formatResult(request, response.result));
  return EXIT_CODES.OK;
}
