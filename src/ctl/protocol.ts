// The control socket's protocol: one JSON line from `narwhal ctl`, one JSON
// line back, then the master closes the connection. Shared by the client
// (ctl/client.ts, in the CLI) and the server (ctl/server.ts, in the master).

export const CTL_COMMANDS = ['stats', 'reload', 'scale', 'dump', 'stop'] as const;
export type CtlCommand = (typeof CTL_COMMANDS)[number];

export interface CtlRequest {
  readonly command: CtlCommand;
  readonly args: readonly string[];
}

export type CtlResponse = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };

export function isCtlCommand(word: string): word is CtlCommand {
  return (CTL_COMMANDS as readonly string[]).includes(word);
}
